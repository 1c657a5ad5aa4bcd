// Stationed contact (驻点联系): the supervision service's /v1/rosters routes, and who may
// do what with them as services/supervision …/stationing/service.py decides it. The
// screens only show the buttons; the API checks again.
import type { components } from "./generated/supervision";
import type { Unit } from "./client";
import { hasRole, withinMyRegion } from "../roles";
import { session } from "../session";

type Schemas = components["schemas"];
export type Roster = Schemas["RosterOut"];
export type Assignment = Schemas["Assignment"];
export type RosterChange = Schemas["RosterChange"];
export type RosterChangeIn = Schemas["RosterChangeIn"];
export type RosterChangeKind = Schemas["RosterChangeKind"];
export type VillageCounts = Schemas["VillageCounts"];
export type StationedMonth = Schemas["StationedMonthOut"];
export type StationedPosition = Schemas["StationedPosition"];
export type PlanItem = Schemas["PlanItem"];
export type Leave = Schemas["Leave"];
export { supervisionApi as stationingApi } from "./supervision";

export const POSITIONS: StationedPosition[] = ["party_secretary", "mayor", "other_leader", "team_member"];
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

// The township keeps its roster (its secretary and staff), or the city's organisation
// department; they also record each person's plan, residence and leave.
export const ROSTER_KEEPING_ROLES = ["township_secretary", "township_staff", "city_org"];
// Who finds 驻点 among the supervision pages: the keepers, supervisors (the levels above
// read every township's roster) and village secretaries (who is stationed with them).
export const STATIONING_ROLES = [...ROSTER_KEEPING_ROLES, "supervisor", "village_secretary"];

export function mayKeep(townshipCode: string, known: Map<string, Unit>): boolean {
  return hasRole(ROSTER_KEEPING_ROLES) && withinMyRegion(townshipCode, known);
}

/** The townships whose rosters I read: those in my region, or the one my village is in. */
export function readableTownships(known: Map<string, Unit>): Unit[] {
  const region = session.user.value?.region ?? "";
  const mine = known.get(region);
  if (mine?.level === "village" && mine.parent) {
    const township = known.get(mine.parent);
    return township ? [township] : [{ code: mine.parent, name: mine.parent, level: "township", parent: null, secretary: "", active: true }];
  }
  return [...known.values()].filter((u) => u.level === "township" && u.active !== false && withinMyRegion(u.code, known));
}

/** The villages of a township (the choices of a roster line). */
export function villagesOf(township: string, known: Map<string, Unit>): Unit[] {
  return [...known.values()].filter((u) => u.parent === township && u.level === "village" && u.active !== false);
}

/** "2026-11-26" → "2026-11-25": a changed line ends the day before the change. */
export function dayBefore(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

export function dayAfter(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** Every day of a "YYYY-MM" month, and the ISO weekday (1 = Monday) of its first. */
export function daysOf(month: string): { days: string[]; firstWeekday: number } {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const count = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const days = Array.from({ length: count }, (_, i) => `${month}-${String(i + 1).padStart(2, "0")}`);
  const first = new Date(Date.UTC(y, m - 1, 1)).getUTCDay();
  return { days, firstWeekday: first === 0 ? 7 : first };
}

/** The line valid on `day` (a person has one at a time), else the latest one. */
export function lineOn(lines: Assignment[], day: string): Assignment | undefined {
  const valid = lines.find((a) => a.valid_from <= day && (!a.valid_until || day <= a.valid_until));
  return valid ?? [...lines].sort((a, b) => a.valid_from.localeCompare(b.valid_from)).at(-1);
}

export type LineState = "current" | "ended" | "upcoming";

export function lineState(line: Assignment, day: string): LineState {
  if (line.valid_until && line.valid_until < day) return "ended";
  if (line.valid_from > day) return "upcoming";
  return "current";
}

/** A roster's lines per person, each person's oldest first, people in roster order. */
export function peopleOf(roster: Roster): { personId: string; lines: Assignment[] }[] {
  const byPerson = new Map<string, Assignment[]>();
  for (const line of roster.assignments) {
    byPerson.set(line.person_id, [...(byPerson.get(line.person_id) ?? []), line]);
  }
  return [...byPerson.entries()].map(([personId, lines]) => ({
    personId,
    lines: lines.sort((a, b) => a.valid_from.localeCompare(b.valid_from)),
  }));
}

/** A new person's id, stable within the roster (the API's pattern: letters, digits, ._-). */
export function newPersonId(): string {
  return `p-${Math.random().toString(36).slice(2, 10)}`;
}

/** The leaders are held to the residence rule in the figures, not their team members. */
export function residenceFlagged(month: StationedMonth): boolean {
  return !month.residence_met && month.position !== "team_member";
}
