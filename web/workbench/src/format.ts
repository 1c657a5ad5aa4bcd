import { translate } from "./i18n";

export function statusLabel(status: string): string {
  const key = `status.${status}`;
  const said = translate(key);
  return said === key ? status : said;
}

export type TagType = "primary" | "success" | "warning" | "info" | "danger";

export function statusTag(status: string): TagType {
  switch (status) {
    case "draft":
      return "info";
    case "returned":
      return "danger";
    case "submitted":
    case "completion_requested":
      return "warning";
    case "completed":
    case "evaluated":
    case "approved":
      return "success";
    default:
      return "primary";
  }
}

/** "lingban.projects.project-declared.v1" → "申报（草稿）" */
export function eventLabel(type: string): string {
  const name = type.split(".").slice(-2, -1)[0] ?? type;
  const key = `events.${name}`;
  const said = translate(key);
  return said === key ? name : said;
}

export function dateTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
