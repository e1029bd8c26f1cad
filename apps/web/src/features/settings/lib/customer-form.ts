import { MAX_BUDGET_MICROS } from "@tally/shared";
import { parseUsdToMicros } from "./money-input.ts";

/**
 * Why the add-customer form cannot be sent yet, in words (shown beside its disabled button), or null when it
 * can. Pure.
 */
export function customerFormProblem(f: { id: string; name: string; budget: string }, existingIds: ReadonlySet<string> = new Set()): string | null {
  const problems: string[] = [];
  const missing = [f.id.trim() === "" ? "an id" : null, f.name.trim() === "" ? "a name" : null].filter((m) => m !== null);
  if (missing.length > 0) problems.push(`Enter ${missing.join(" and ")}.`);
  // Adding an id that exists would rename it and replace its budget: that is its row's Save.
  if (existingIds.has(f.id.trim())) problems.push(`A customer “${f.id.trim()}” exists: change its name or budget in its row above.`);
  const micros = parseUsdToMicros(f.budget);
  if (micros === undefined) {
    problems.push(`Monthly budget: “${f.budget.trim()}” is not an amount in USD. Enter one like 250 or 99.50 (at most 6 decimals), or leave it empty for no budget.`);
  } else if (micros === 0) problems.push(BUDGET_ZERO);
  else if (micros !== null && micros > MAX_BUDGET_MICROS) problems.push(BUDGET_TOO_HIGH);
  return problems.length > 0 ? problems.join(" ") : null;
}

/** The API's ceiling (`MAX_BUDGET_MICROS`), said where the amount is typed. */
export const BUDGET_TOO_HIGH = "Monthly budget: at most $100,000,000 a month.";

/** A $0 budget is refused (every cent would be "over"): no budget is an empty field. */
export const BUDGET_ZERO = "Monthly budget: enter an amount above $0, or leave it empty for no budget.";
