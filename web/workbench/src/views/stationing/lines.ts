// How the stationing screens word a roster line and its groups.
import type { Assignment } from "../../api/stationing";
import type { HouseholdKind } from "../../api/supervision";

type Translate = (key: string, values?: Record<string, unknown>) => string;

// The four must-visit groups (四必访), in the order the reports list them.
export const MUST_VISIT: HouseholdKind[] = ["veteran_party_member", "lifted_out_of_poverty", "petitioner", "in_difficulty"];

/** "2026-01-01 至今" or "2026-01-01 至 2026-11-25". */
export function lineText(t: Translate, line: Assignment): string {
  return line.valid_until
    ? t("stationing.range", { from: line.valid_from, until: line.valid_until })
    : t("stationing.openEnded", { from: line.valid_from });
}
