// The supervision service's typed client and the shapes the supervision screens use
// (generated from web/workbench/openapi/supervision.json by `npm run build`).
import createClient from "openapi-fetch";
import type { paths, components } from "./generated/supervision";
import { authenticate } from "./client";

type Schemas = components["schemas"];
export type Group = Schemas["GroupOut"];
export type GroupMember = Schemas["GroupMember"];
export type Cadence = Schemas["CadenceOut"];
export type Sample = Schemas["SampleOut"];
export type Audit = Schemas["AuditOut"];
export type PooledProject = Schemas["PooledProject"];
export type Inspection = Schemas["InspectionOut"];
export type InspectionMethod = Schemas["InspectionMethod"];
export type ChecklistScore = Schemas["ChecklistScore"];
export type Problem = Schemas["ProblemOut"];
export type ProblemCounts = Schemas["ProblemCountsOut"];
export type ProblemSource = Schemas["ProblemSource"];
export type ProblemChannel = Schemas["ProblemChannel"];
export type ProblemLevel = Schemas["ProblemLevel"];
export type ProblemStatus = Schemas["ProblemStatus"];
export type Visit = Schemas["VisitOut"];
export type VisitFigures = Schemas["MonthlyFiguresOut"];
export type HouseholdKind = Schemas["HouseholdKind"];

export const supervisionApi = createClient<paths>({ baseUrl: "/api/supervision" });
supervisionApi.use(authenticate);

// The enums, in the order the forms offer them (the types above keep them in step).
export const METHODS: InspectionMethod[] = ["on_site", "routine_check", "special_research", "report_hearing", "household_visit", "unannounced"];
export const SOURCES: ProblemSource[] = ["residents", "self_examination", "superior", "peers"];
export const CHANNELS: ProblemChannel[] = ["online_questionnaire", "forum", "talk", "suggestion_box", "visit", "inspection", "other"];
export const LEVELS: ProblemLevel[] = ["organisation", "individual"];
export const PROBLEM_STATUSES: ProblemStatus[] = ["open", "in_progress", "resolved"];
export const HOUSEHOLD_KINDS: HouseholdKind[] = ["veteran_party_member", "lifted_out_of_poverty", "petitioner", "in_difficulty", "ordinary"];

/** "2026-11-26" for today, in the user's time zone. */
export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** "2026-11-H2": the half month a day falls in (1st–15th is H1). */
export function halfMonthOf(day: string): string {
  return `${day.slice(0, 7)}-H${Number(day.slice(8, 10)) <= 15 ? 1 : 2}`;
}

/** A rectification's id is its inspection's id with "-r" (services/supervision …/inspections/domain.py). */
export function inspectionIdOf(rectificationId: string): string {
  return rectificationId.endsWith("-r") ? rectificationId.slice(0, -2) : rectificationId;
}

// The service's default problem categories (LINGBAN_SUPERVISION_PROBLEM_CATEGORIES may
// differ: the form also takes a typed one, and the service names the field if wrong).
export const PROBLEM_CATEGORIES = ["组织建设", "作风建设", "项目推进", "民生服务", "人居环境", "矛盾纠纷", "平安建设", "其他"];

/** The unit's name from the units map, or its code. */
export function unitName(known: Map<string, { name: string }>, code: string | null | undefined): string {
  if (!code) return "";
  return known.get(code)?.name ?? code;
}
