import type { filesZhCN } from "./files.zh-CN";

export const filesEn: typeof filesZhCN = {
  files: {
    label: "Attachments",
    add: "Upload a file",
    hint: "JPEG, PNG or HEIC photos, PDF, Word or Excel documents, MP4 videos; at most 20 MB a file. On a phone you can take a photo directly.",
    uploading: "Uploading {name}",
    failed: "{name} was not uploaded: {message}",
    tooLarge: "{name} is larger than {mb} MB; compress or split it and upload again",
    remove: "Remove",
    open: "Open",
    none: "No attachments",
    notStored: "(noted only, no file uploaded)",
    openFailed: "The attachment cannot be opened: it does not exist or you may not see it",
    declaration: "Declaration papers (responsibility statement, minutes…)",
    declarationHint: "Upload the responsibility statement, pre-approval minutes and similar. Once submitted, attachments can no longer be removed.",
    stageEvidence: "Evidence (photos, records)",
    weeklyEvidence: "Attachments",
  },
};
