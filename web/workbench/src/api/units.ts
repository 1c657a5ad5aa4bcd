// The division tree (区划管理) on the projects service (services/projects …/units/api.py):
// the units of my subtree, registering, renaming, a new secretary, moving, merging, and
// the Excel import. Who may do what mirrors …/units/service.py; the service checks again.
import type { components } from "./generated/projects";
import { projectsApi, call, type Unit } from "./client";
import { problemOf, networkProblem, type ApiProblem } from "./errors";
import { currentLanguage } from "../i18n";
import { session } from "../session";

type Schemas = components["schemas"];
export type Level = Schemas["Level"];
export type UnitIn = Schemas["UnitIn"];
export type UnitPatch = Schemas["UnitPatch"];
export type UnitImportOut = Schemas["UnitImportOut"];
export type { Unit };

/** From the top down: a child is always deeper than its parent. */
export const LEVELS: Level[] = ["city", "district", "township", "village"];

/** The colour of each level's tag, the same in the tree and on a unit's card. */
export const LEVEL_TAGS: Record<string, "danger" | "warning" | "success" | "info"> = {
  city: "danger",
  district: "warning",
  township: "success",
  village: "info",
};

export function depthOf(level: string): number {
  return LEVELS.indexOf(level as Level);
}

// The significant prefix of a 12-digit code at each level (lingban_contracts.regions):
// province 2, prefecture 2, county 2, township 3, village 3.
const PREFIX_LENGTHS = [2, 4, 6, 9, 12];

export function regionPrefix(code: string): string {
  for (const length of PREFIX_LENGTHS) {
    if (/^0*$/.test(code.slice(length))) return code.slice(0, length);
  }
  return code;
}

/** `code` may hang below `parent` by its digits (inside the parent's range, not the parent). */
export function codeFitsBelow(code: string, parent: string): boolean {
  const prefix = regionPrefix(parent);
  return code.startsWith(prefix) && regionPrefix(code) !== prefix;
}

/** The next free code right below `parent` (the next number among its children's). */
export function suggestCode(parent: Unit, units: Iterable<Unit>): string {
  const prefix = regionPrefix(parent.code);
  const width = (PREFIX_LENGTHS.find((l) => l > prefix.length) ?? 12) - prefix.length;
  let highest = 0;
  for (const u of units) {
    if (u.parent === parent.code && u.code.startsWith(prefix)) {
      highest = Math.max(highest, Number(u.code.slice(prefix.length, prefix.length + width)) || 0);
    }
  }
  return `${prefix}${String(highest + 1).padStart(width, "0")}`.padEnd(12, "0").slice(0, 12);
}

// ---- who may do what (…/units/service.py) ---------------------------------------
export type UnitAction = "secretary" | "rename" | "move" | "merge" | "add";
const SECRETARY_EDITORS = ["city_org", "township_secretary", "township_staff"];

/** The organisation department shapes its part of the tree (register, import, rename, move, merge). */
export function shapesTree(): boolean {
  return session.user.value?.role === "city_org";
}

/** What the signed-in user may do to `unit` (a township records only its villages' secretaries). */
export function actionsFor(unit: Unit): UnitAction[] {
  const user = session.user.value;
  if (!user || !unit.active) return [];
  if (user.role === "city_org") {
    const below = depthOf(unit.level) < depthOf("village") ? (["add"] as const) : [];
    const placed = unit.parent ? (["move", "merge"] as const) : [];
    return ["secretary", "rename", ...placed, ...below];
  }
  if (SECRETARY_EDITORS.includes(user.role) && unit.code !== user.region) return ["secretary"];
  return [];
}

// ---- calls ------------------------------------------------------------------------

export function listUnits(region?: string) {
  return call(() => projectsApi.GET("/v1/units", { params: { query: { region: region || undefined } } }));
}

export function registerUnit(body: UnitIn) {
  return call(() => projectsApi.POST("/v1/units", { body }));
}

export function updateUnit(code: string, body: UnitPatch) {
  return call(() => projectsApi.PATCH("/v1/units/{code}", { params: { path: { code } }, body }));
}

export function mergeUnit(code: string, into: string, reason: string) {
  return call(() => projectsApi.POST("/v1/units/{code}/merge", { params: { path: { code } }, body: { into, reason } }));
}

export function importTemplate() {
  return call(() => projectsApi.GET("/v1/units/import-template", { parseAs: "blob" }));
}

/** One refused row of a sheet, in the user's language. */
export interface RefusedRow {
  row: number;
  column: string | null;
  message: string;
}

interface RefusedBody {
  error?: { refused?: { row: number; column?: string | null; message: string; message_en?: string }[] };
}

/** The sheet imported, or why not: the rows refused (then nothing was imported). */
export async function importSheet(
  file: File,
): Promise<{ ok: true; data: UnitImportOut } | { ok: false; problem: ApiProblem; refused: RefusedRow[] }> {
  try {
    const { data, error, response } = await projectsApi.POST("/v1/units/import", {
      body: { file: "" },
      bodySerializer: () => {
        const form = new FormData();
        form.append("file", file);
        return form;
      },
    });
    if (response.ok && data !== undefined) return { ok: true, data };
    const english = currentLanguage() === "en";
    const refused = ((error as RefusedBody | undefined)?.error?.refused ?? []).map((r) => ({
      row: r.row,
      column: r.column ?? null,
      message: english && r.message_en ? r.message_en : r.message,
    }));
    return { ok: false, problem: problemOf(response.status, error), refused };
  } catch {
    return { ok: false, problem: networkProblem(), refused: [] };
  }
}
