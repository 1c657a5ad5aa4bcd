// The notifications service's contact directory and reminder rules (services/notifications
// …/directory/api.py, …/rules/api.py), on the paths generated from its OpenAPI document.
import type { components } from "./generated/notifications";

type Schemas = components["schemas"];
export type Contact = Schemas["ContactOut"];
export type ContactIn = Schemas["Recipient"];
export type ContactKind = Schemas["RecipientKind"];
export type Channel = Schemas["Channel"];
export type Role = Schemas["Role"];
export type RuleSet = Schemas["RuleSet"];
export type Rule = Schemas["Rule"];
export type Audience = Schemas["Audience"];
export type RuleKind = Schemas["Kind"];

export const CONTACT_KINDS: ContactKind[] = [
  "secretary",
  "township_staff",
  "task_force",
  "member_department",
  "supervision_group",
  "operator",
];
export const CHANNELS: Channel[] = ["inbox", "email", "sms", "webhook"];
export const FLAVORS = ["wecom", "dingtalk", "feishu"] as const;
export const AUDIENCES: Audience[] = [
  "secretary",
  "township_staff",
  "task_force",
  "member_departments",
  "parent_secretary",
  "reviewer",
];
export const READER_ROLES: Role[] = ["city_org", "township_secretary", "township_staff", "village_secretary", "supervisor", "leader"];

// Contacts the scheduler finds by their unit: their id is the kind's prefix and the unit
// (…/directory/domain.py secretary_id, township_staff_id, task_force_id).
const UNIT_ID_PREFIX: Partial<Record<ContactKind, string>> = {
  secretary: "secretary:",
  township_staff: "township-staff:",
  task_force: "task-force:",
};

/** The id a contact of this kind and unit must have, or null when the editor chooses it. */
export function unitBoundId(kind: ContactKind, unitCode: string): string | null {
  const prefix = UNIT_ID_PREFIX[kind];
  return prefix ? `${prefix}${unitCode}` : null;
}

// Placeholders every template may use, and those of each kind (…/rules/model.py).
const COMMON_VARS = ["unit_name", "unit_code", "recipient_name", "link", "period", "rule_id", "subject_id"];
const KIND_VARS: Record<RuleKind, string[]> = {
  monthly_card: ["month", "items", "count"],
  weekly_report_reminder: ["week", "project_title"],
  report_missing: ["week", "project_title"],
  deadline_warning: ["month", "task", "owner", "deadline", "days_left", "days_overdue", "project_title"],
  escalation: ["month", "task", "owner", "deadline", "days_overdue", "project_title"],
  review_waiting: ["project_title", "submitted_on", "days_waiting"],
  event_notice: ["project_title", "event_type"],
  acknowledgement_escalation: ["original_title", "original_recipient", "sent_at", "hours"],
  stationed_day: ["person_name", "position", "stationed_on", "weekday"],
  residence_at_risk: ["month", "items", "count"],
  result_list: ["year", "list_name", "score", "rank", "rating", "basis", "reason"],
};

/** The placeholders a rule's texts may use (an event's own fields are checked by the service). */
export function placeholdersOf(kind: RuleKind): string[] {
  return [...KIND_VARS[kind], ...COMMON_VARS];
}
