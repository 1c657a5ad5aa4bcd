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
