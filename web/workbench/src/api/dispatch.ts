// Dispatch meetings (调度会) and assigned tasks (交办事项): the supervision service's
// /v1/dispatch routes, and who may do what with them as services/supervision
// …/dispatch/access.py decides it. The screens only show the buttons; the API checks again.
import type { components } from "./generated/supervision";
import type { components as NotificationComponents } from "./generated/notifications";
import { call, notificationsApi, type Unit } from "./client";
import { session } from "../session";
import { hasRole, withinMyRegion } from "../roles";
import { translate } from "../i18n";

type Schemas = components["schemas"];
export type Meeting = Schemas["MeetingOut"];
export type MeetingIn = Schemas["MeetingIn"];
export type Attendee = Schemas["Attendee"];
export type ReviewedProject = Schemas["ReviewedProject"];
export type Task = Schemas["TaskOut"];
export type TaskIn = Schemas["TaskIn"];
export type DispatchLevel = Schemas["DispatchLevel"];
export type TaskStatus = Schemas["TaskStatus"];
export { supervisionApi as dispatchApi } from "./supervision";

export const DISPATCH_LEVELS: DispatchLevel[] = ["city_monthly", "township_quarterly", "township_monthly"];
export const TASK_STATUSES: TaskStatus[] = ["assigned", "reported", "closed"];

// Hold meetings and assign (the city's organisation department; a township's secretary
// and staff for their township), report back (the assigned unit's secretary or staff).
export const HOLDING_ROLES = ["city_org", "township_secretary", "township_staff"];
export const REPORTING_ROLES = ["village_secretary", "township_secretary", "township_staff"];
// A city member department's staff (成员单位): they read and report on their department's
// tasks only (the service lists them nothing else), without attachments (they upload nothing).
export const DEPARTMENT_ROLE = "member_department";
// Who reads the meetings: the holders, the units, and leaders, who read the public view.
export const MEETING_ROLES = ["city_org", "township_secretary", "township_staff", "village_secretary", "leader"];
// Who finds 调度 in the menu: those above, and a member department for its tasks.
export const DISPATCH_ROLES = [...MEETING_ROLES, DEPARTMENT_ROLE];

/** May hold `region`'s meetings and act for it as assigner (a city's: only the organisation department). */
export function mayHold(region: string, known: Map<string, Unit>): boolean {
  if (!hasRole(HOLDING_ROLES) || !withinMyRegion(region, known)) return false;
  const unit = known.get(region);
  return unit?.level === "township" || hasRole(["city_org"]);
}

/** The units whose meetings I may hold: my city and districts (organisation department) or townships. */
export function holdableRegions(known: Map<string, Unit>): Unit[] {
  return [...known.values()].filter((u) => u.level !== "village" && mayHold(u.code, known));
}

export function levelsFor(region: Unit | undefined): DispatchLevel[] {
  if (!region) return [];
  return region.level === "township" ? ["township_quarterly", "township_monthly"] : ["city_monthly"];
}

export function mayReport(task: Task, known: Map<string, Unit>): boolean {
  if (task.status !== "assigned") return false;
  // A department's task is its staff's to report on (any task such an account reads is its own).
  if (task.department) return hasRole([DEPARTMENT_ROLE]);
  return hasRole(REPORTING_ROLES) && withinMyRegion(task.unit_code, known);
}

/** Attach papers and photos to a report: not a member department's staff (the role uploads nothing). */
export function mayAttach(): boolean {
  return !hasRole([DEPARTMENT_ROLE]);
}

/** Close or send back: the assigner's side, never whoever reported last. */
export function mayDecide(task: Task, known: Map<string, Unit>): boolean {
  const last = task.reports.at(-1);
  return task.status === "reported" && mayHold(task.assigner_code, known) && last?.by.id !== session.user.value?.id;
}

/** Units a task of `region`'s may go to: those below it in my view. */
export function assignableUnits(region: string, known: Map<string, Unit>): Unit[] {
  return [...known.values()].filter((u) => u.code !== region && below(u.code, region, known));
}

function below(code: string, region: string, known: Map<string, Unit>): boolean {
  for (let c: string | null | undefined = known.get(code)?.parent, hops = 0; c && hops < 10; c = known.get(c)?.parent, hops++) {
    if (c === region) return true;
  }
  return false;
}

/** "2026-03" → 2026-03's first and last day, for the month filter. */
export function monthsOf(year: number): string[] {
  return Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, "0")}`);
}

/** A unit's name; a unit above mine (a city assigning to my township) is not in my
 * subtree's list, so it is named as the level above. */
export function regionName(known: Map<string, { name: string }>, code: string): string {
  return known.get(code)?.name ?? translate("dispatch.above");
}

/** A city member department (成员单位): the slug a task's `department` names it by, its name and its city. */
export type Department = NotificationComponents["schemas"]["MemberDepartmentOut"];

/**
 * The member departments of my region, by name: the notifications directory's
 * `member-department:<slug>` entries, which every signed-in user may read by name
 * (not their addresses). On a failure a department is named by its slug.
 */
export async function loadDepartments(): Promise<Department[]> {
  const found = await call(() => notificationsApi.GET("/v1/member-departments"));
  return found.ok ? found.data : [];
}

/** The departments a task of `region`'s may go to: its own, when a city or county assigns. */
export function departmentsOf(region: Unit | undefined, departments: Department[]): Department[] {
  return region?.level === "city" || region?.level === "district" ? departments.filter((d) => d.unit_code === region.code) : [];
}

export function departmentName(departments: Department[], slug: string): string {
  return departments.find((d) => d.slug === slug)?.name ?? translate("dispatch.department.unnamed", { slug });
}

/** Who a task goes to: its member department, or its unit. */
export function assigneeName(task: Pick<Task, "unit_code" | "department">, units: Map<string, { name: string }>, departments: Department[]): string {
  return task.department ? departmentName(departments, task.department) : (units.get(task.unit_code)?.name ?? task.unit_code);
}

/** A task being typed: to a unit below the meeting's region, or to one of its member departments. */
export interface TaskDraft {
  to?: "unit" | "department"; // absent in drafts kept before departments could be chosen
  unit_code: string;
  department?: string;
  content: string;
  owner: string;
  deadline: string;
}

export const emptyTask = (): TaskDraft => ({ to: "unit", unit_code: "", department: "", content: "", owner: "", deadline: "" });

/** A department's task goes to the assigning region itself, naming the department. */
export function taskBody(task: TaskDraft, region: string): TaskIn {
  const common = { content: task.content.trim(), owner: task.owner.trim(), deadline: task.deadline };
  return task.to === "department" ? { ...common, unit_code: region, department: task.department ?? "" } : { ...common, unit_code: task.unit_code };
}

/** The row has something typed in it (an empty extra row is ignored). */
export function startedTask(task: TaskDraft): boolean {
  return !!(task.unit_code || task.department || task.content.trim() || task.owner.trim() || task.deadline);
}
