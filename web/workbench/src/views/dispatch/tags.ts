// The colour of a task's state, and the history's event names (调度与交办).
import { translate } from "../../i18n";
import type { TagType } from "../../format";

export function taskTag(status: string, overdue = false): TagType {
  if (status === "closed") return "success";
  if (overdue) return "danger";
  return status === "reported" ? "warning" : "primary";
}

/** "lingban.supervision.task-closed.v1" → "办结销号" (or the name itself). */
export function dispatchEvent(type: string): string {
  const name = type.split(".").slice(-2, -1)[0] ?? type;
  const key = `dispatch.events.${name}`;
  const said = translate(key);
  return said === key ? name : said;
}
