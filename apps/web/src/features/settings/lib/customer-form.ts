import { parseUsdToMicros } from "./money-input.ts";

/**
 * Why the add-customer form cannot be sent yet, in words (shown beside its disabled button), or null when it
 * can. Pure.
 */
export function customerFormProblem(f: { id: string; name: string; budget: string }): string | null {
  const problems: string[] = [];
  const missing = [f.id.trim() === "" ? "an id" : null, f.name.trim() === "" ? "a name" : null].filter((m) => m !== null);
  if (missing.length > 0) problems.push(`Enter ${missing.join(" and ")}.`);
  const micros = parseUsdToMicros(f.budget);
  if (micros === undefined) {
    problems.push(`Monthly budget: “${f.budget.trim()}” is not an amount in USD. Enter one like 250 or 99.50 (at most 6 decimals), or leave it empty for no budget.`);
  } else if (micros === 0) problems.push(BUDGET_ZERO);
  return problems.length > 0 ? problems.join(" ") : null;
}

/** A $0 budget is refused (every cent would be "over"): no budget is an empty field. */
export const BUDGET_ZERO = "Monthly budget: enter an amount above $0, or leave it empty for no budget.";
