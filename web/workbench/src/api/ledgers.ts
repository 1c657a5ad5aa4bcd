// The office ledgers (台账) of the reporting service (docs/ledgers.md): XLSX to save and
// printable pages. Both need the sign-in, which a plain link cannot send, so they are
// fetched with the token and handed to the browser as blobs.
import { session } from "../session";
import { currentLanguage } from "../i18n";
import { networkProblem, problemOf } from "./errors";
import { saveBlob } from "./files";

export type LedgerParams = Record<string, string | number | undefined>;

function address(path: string, format: "xlsx" | "html", params: LedgerParams): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== "") query.set(key, String(value));
  const qs = query.toString();
  return `/api/reporting${path}.${format}${qs ? `?${qs}` : ""}`;
}

async function fetchLedger(path: string, format: "xlsx" | "html", params: LedgerParams): Promise<Blob> {
  const headers: Record<string, string> = { "Accept-Language": currentLanguage() === "en" ? "en" : "zh-CN" };
  const token = session.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(address(path, format, params), { headers });
  } catch {
    throw networkProblem();
  }
  if (!response.ok) throw problemOf(response.status, await response.json().catch(() => undefined));
  return response.blob();
}

/** Save the ledger as an Excel file named `fileName` (.xlsx added). */
export async function saveLedger(path: string, params: LedgerParams, fileName: string): Promise<void> {
  saveBlob(await fetchLedger(path, "xlsx", params), `${fileName}.xlsx`);
}

/** Open the printable page in a new window (the browser's print prints it). */
export async function printLedger(path: string, params: LedgerParams): Promise<void> {
  // Opened before the await: browsers allow a new window only during the click.
  const target = window.open("", "_blank");
  try {
    const url = URL.createObjectURL(await fetchLedger(path, "html", params));
    if (target) target.location.href = url;
    else window.location.href = url;
  } catch (problem) {
    target?.close();
    throw problem;
  }
}
