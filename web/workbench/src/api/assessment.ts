// Year-end assessment (考核) and the model-case library (典型案例库): the supervision
// service's /v1/assessments and /v1/model-cases routes, and who may do what as its
// assessment module decides it (docs/assessment.md). The screens only show the buttons;
// the API checks again.
import type { components } from "./generated/supervision";
import type { Unit } from "./client";
import { session } from "../session";
import { hasRole, isRootCityOrg, withinMyRegion } from "../roles";

type Schemas = components["schemas"];
export type Assessment = Schemas["AssessmentOut"];
export type SchemeOut = Schemas["SchemeOut"];
export type Scheme = Schemas["Scheme"];
export type Weights = Schemas["Weights"];
export type UnitScore = Schemas["UnitScore"];
export type ListEntry = Schemas["ListEntry"];
export type Rating = Schemas["Rating"];
export type ModelCase = Schemas["ModelCaseOut"];
export type ModelCaseKind = Schemas["ModelCaseKind"];
export { supervisionApi as assessmentApi } from "./supervision";

export const RATINGS: Rating[] = ["excellent", "good", "average", "poor"];
export const COMPONENTS = ["project", "inspections", "deductions", "rectification", "visits"] as const;
export const CASE_KINDS: ModelCaseKind[] = ["project", "model_township", "model_village"];
// Who finds 考核 in the menu: every working role reads its subtree's scores, leaders too.
export const ASSESSMENT_ROLES = ["city_org", "township_secretary", "township_staff", "village_secretary", "leader"];

/** The scheme, adjustments, list changes and finalizing: the city's organisation department. */
export function mayAssess(known: Map<string, Unit>): boolean {
  return isRootCityOrg(known);
}

/** A 约谈 is recorded by the organisation department over the unit, or a village's township secretary. */
export function mayRecordTalk(unitCode: string, known: Map<string, Unit>): boolean {
  if (unitCode === session.user.value?.region) return false;
  if (hasRole(["city_org"])) return withinMyRegion(unitCode, known);
  return hasRole(["township_secretary"]) && known.get(unitCode)?.level === "village" && withinMyRegion(unitCode, known);
}

/** Curating the library: the organisation department over the unit. */
export function mayCurate(unitCode: string, known: Map<string, Unit>): boolean {
  return hasRole(["city_org"]) && withinMyRegion(unitCode, known);
}

export function weightSum(w: Weights): number {
  return COMPONENTS.reduce((sum, c) => sum + (Number(w[c]) || 0), 0);
}

/** 83.456 → "83.5"; null → "—" (a sub-score left out). */
export function points(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : (Math.round(value * 10) / 10).toFixed(1);
}
