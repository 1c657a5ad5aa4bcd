// Attachments: upload with progress (XMLHttpRequest: fetch reports no upload progress),
// and downloads/thumbnails fetched with the bearer token and shown from blob URLs
// (an <img src> or <a href> cannot send the Authorization header).
import type { components as ProjectsComponents } from "./generated/projects";
import { session } from "../session";
import { currentLanguage, translate } from "../i18n";
import { networkProblem, problemOf, type ApiProblem } from "./errors";

export type Attachment = ProjectsComponents["schemas"]["Attachment"];
export type FileService = "projects" | "supervision";

// The services' defaults (docs/files.md); the service checks again and says so in Chinese.
export const MAX_FILE_BYTES = 20 * 1024 * 1024;
export const ACCEPT = ".jpg,.jpeg,.png,.heic,.pdf,.docx,.xlsx,.mp4,image/jpeg,image/png,image/heic,application/pdf,video/mp4";
const IMAGE_TYPES = new Set(["image/jpeg", "image/png"]);

function headers(): Record<string, string> {
  const out: Record<string, string> = { "Accept-Language": currentLanguage() === "en" ? "en" : "zh-CN" };
  const token = session.token();
  if (token) out.Authorization = `Bearer ${token}`;
  return out;
}

/** Upload one file; `progress` gets 0–100. Rejects with an ApiProblem (413/415 say why). */
export function uploadFile(service: FileService, file: File, progress: (percent: number) => void): Promise<Attachment> {
  if (file.size > MAX_FILE_BYTES) {
    return Promise.reject<Attachment>({
      status: 413,
      code: "payload_too_large",
      message: translate("files.tooLarge", { name: file.name, mb: MAX_FILE_BYTES / 1024 / 1024 }),
      fields: {},
    } satisfies ApiProblem);
  }
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", `/api/${service}/v1/files`);
    for (const [name, value] of Object.entries(headers())) request.setRequestHeader(name, value);
    request.upload.onprogress = (e) => {
      if (e.lengthComputable) progress(Math.round((e.loaded / e.total) * 100));
    };
    request.onerror = () => reject(networkProblem());
    request.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = undefined;
      }
      if (request.status === 201) resolve(body as Attachment);
      else if (request.status === 413 && !(body as { error?: unknown } | undefined)?.error) {
        // The gateway's own 413 (an HTML page): say it in the service's words.
        reject({ status: 413, code: "payload_too_large", message: translate("files.tooLarge", { name: file.name, mb: MAX_FILE_BYTES / 1024 / 1024 }), fields: {} });
      } else reject(problemOf(request.status, body));
    };
    const form = new FormData();
    form.append("file", file, file.name);
    request.send(form);
  });
}

export function isImage(attachment: Attachment): boolean {
  return IMAGE_TYPES.has(attachment.content_type);
}

/** A blob URL of the file (or its thumbnail); the caller revokes it when done. */
export async function fileUrl(service: FileService, fileId: string, thumbnail = false): Promise<string | null> {
  try {
    const response = await fetch(`/api/${service}/v1/files/${encodeURIComponent(fileId)}${thumbnail ? "/thumbnail" : ""}`, { headers: headers() });
    if (!response.ok) return null;
    return URL.createObjectURL(await response.blob());
  } catch {
    return null;
  }
}

/** Open or save the file under its own name. */
export async function openFile(service: FileService, attachment: Attachment): Promise<boolean> {
  if (!attachment.file_id) return false;
  const url = await fileUrl(service, attachment.file_id);
  if (!url) return false;
  const link = document.createElement("a");
  link.href = url;
  link.download = attachment.name;
  link.rel = "noopener";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return true;
}

export function sizeLabel(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Hand a fetched file to the browser to save as `fileName` (a sheet template, a ledger). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: the download may not have read the blob yet.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
