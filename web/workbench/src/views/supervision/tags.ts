// The colour of a supervision state's tag.
import { translate } from "../../i18n";
import type { TagType } from "../../format";

export function inspectionTag(status: string): TagType {
  return status === "passed" ? "success" : status === "failed" ? "danger" : "primary";
}

export function rectificationTag(status: string): TagType {
  return status === "closed" ? "success" : status === "submitted" ? "warning" : "danger";
}

export function problemTag(status: string): TagType {
  return status === "resolved" ? "success" : status === "in_progress" ? "warning" : "danger";
}

/** 0.8333 → "83.3%" */
export function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10}%`;
}

/** "lingban.supervision.rectification-reopened.v1" → "退回整改" (or the name itself). */
export function supervisionEvent(type: string): string {
  const name = type.split(".").slice(-2, -1)[0] ?? type;
  const key = `supervision.events.${name}`;
  const said = translate(key);
  return said === key ? name : said;
}
