// Who may do what on a project, as the projects service decides it (services/projects
// …/service.py): the declaring unit's side declares and reports; the level above (the
// parent unit's secretary or staff; the organisation department for townships and the
// city itself) reviews, files, announces, starts, accepts and evaluates. The screens only
// show the buttons; the API checks again.
import { projectsApi, call, type Project, type Unit } from "./api/client";
import { session } from "./session";

export const UNIT_SIDE_ROLES = ["village_secretary", "township_secretary", "township_staff", "city_org"];
export const REVIEWER_ROLES = ["township_secretary", "township_staff", "city_org"];

/** The steps the level above takes, in the order of the year, with the status each waits on. */
export const OVERSIGHT_STEPS = [
  { status: "submitted", key: "review", path: "review" },
  { status: "approved", key: "file", path: "" },
  { status: "filed", key: "announce", path: "announce" },
  { status: "announced", key: "start", path: "" },
  { status: "completion_requested", key: "accept", path: "completion-decision" },
  { status: "completed", key: "evaluate", path: "evaluation" },
] as const;

// Per region: a different sign-in in the same tab loads its own subtree.
const units = new Map<string, Promise<Map<string, Unit>>>();

/** The units of my region's subtree (with their parents), loaded once per region. */
export function loadUnits(): Promise<Map<string, Unit>> {
  const region = session.user.value?.region ?? "";
  let found = units.get(region);
  if (!found) {
    found = call(() => projectsApi.GET("/v1/units", { params: { query: { region } } })).then((result) => {
      if (!result.ok) units.delete(region); // try again next time
      return new Map(result.ok ? result.data.map((u) => [u.code, u]) : []);
    });
    units.set(region, found);
  }
  return found;
}

/** Forget the loaded units after a change to the tree (区划管理), so that every page reloads them. */
export function forgetUnits(): void {
  units.clear();
}

export function isReviewer(): boolean {
  return REVIEWER_ROLES.includes(session.user.value?.role ?? "");
}

/** The declaring unit's own side (its secretary, or staff above it acting for it). */
export function isUnitSide(project: Project): boolean {
  const user = session.user.value;
  return !!user && UNIT_SIDE_ROLES.includes(user.role) && project.unit_code === user.region;
}

/** I am the level above the project's unit (the city reviews its own projects). */
export function isLevelAbove(project: Project, known: Map<string, Unit>): boolean {
  const user = session.user.value;
  if (!user || !REVIEWER_ROLES.includes(user.role)) return false;
  const unit = known.get(project.unit_code);
  const reviewer = unit ? (unit.parent ?? unit.code) : null;
  return reviewer === user.region;
}

/** "2026-11" for today. */
export function currentMonth(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

/** Stages the unit can report on now: not completed, and their month has come. */
export function reportableStages(project: Project) {
  const month = currentMonth();
  return project.stages.filter((s) => !s.completed_on && s.month <= month);
}

// ---- supervision (services/supervision …/access.py) ------------------------------
// The group side (supervisors, the organisation department, a township's secretary and
// staff for its own group) plans, draws, records, verifies and reopens; the inspected
// unit's side submits the rectification; nobody verifies a unit they could rectify
// themselves, nor their own submission. The service checks again.
export const GROUP_SIDE_ROLES = ["supervisor", "city_org", "township_secretary", "township_staff"];
export const GROUP_FORMING_ROLES = ["city_org", "township_secretary"];
export const RECTIFYING_ROLES = ["village_secretary", "township_secretary", "township_staff"];
export const VISITING_ROLES = ["township_secretary", "township_staff", "city_org"];
export const SUPERVISION_ROLES = ["village_secretary", ...GROUP_SIDE_ROLES];

export function hasRole(roles: string[]): boolean {
  return roles.includes(session.user.value?.role ?? "");
}

/** `code` is my unit or a unit below it (walking up the parents `loadUnits` gave). */
export function withinMyRegion(code: string, known: Map<string, Unit>): boolean {
  const region = session.user.value?.region;
  for (let c: string | null | undefined = code, hops = 0; c && hops < 10; c = known.get(c)?.parent, hops++) {
    if (c === region) return true;
  }
  return false;
}

interface Inspected {
  region_code: string;
  unit_code: string;
  rectification?: { submissions: { by: { id: string } }[] } | null;
}

export function isGroupSide(i: { region_code: string }, known: Map<string, Unit>): boolean {
  return hasRole(GROUP_SIDE_ROLES) && withinMyRegion(i.region_code, known);
}

export function mayRectify(i: Inspected, known: Map<string, Unit>): boolean {
  return hasRole(RECTIFYING_ROLES) && withinMyRegion(i.unit_code, known);
}

export function mayVerify(i: Inspected, known: Map<string, Unit>): boolean {
  const last = i.rectification?.submissions.at(-1);
  return (
    isGroupSide(i, known) &&
    i.unit_code !== session.user.value?.region &&
    !mayRectify(i, known) &&
    last?.by.id !== session.user.value?.id
  );
}

// ---- contact directory and reminder rules (services/notifications …/directory/access.py,
// …/rules/api.py) ----------------------------------------------------------------------
// Editors read and edit the contacts of their subtree; everyone may read the rules, and
// only the organisation department at the top of the division tree changes them (and the
// root-only parts of a contact). The service checks again.
export const DIRECTORY_ROLES = ["city_org", "township_secretary", "township_staff"];

/** The city organisation department at the root of the division tree. */
export function isRootCityOrg(known: Map<string, Unit>): boolean {
  const user = session.user.value;
  const unit = user ? known.get(user.region) : undefined;
  return !!user && user.role === "city_org" && !!unit && !unit.parent;
}

// Who sees the leaders' dashboard (领导驾驶舱) in the navigation: leaders, who read it
// most, and the organisation department and township leads who answer for its figures.
export const DASHBOARD_ROLES = ["leader", "city_org", "township_secretary"];
