/** A score bound as the Runs page reads it from its URL or form: a number from 0 to 1, else none. */
export function scoreBound(v: string | null): number | undefined {
  if (v === null || v.trim() === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
}

/**
 * The score range the page applies from its URL (`min`, `max`): each bound from 0 to 1, and none when Min is
 * above Max (the API would refuse the pair). The chip shows this range, so it never names one the list ignores.
 */
export function appliedScoreRange(params: URLSearchParams): { min?: number; max?: number } {
  const min = scoreBound(params.get("min"));
  const max = scoreBound(params.get("max"));
  if (min !== undefined && max !== undefined && min > max) return {};
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
}

/** Why the score filter form cannot be applied as typed (the Filter button's description), or null. */
export function scoreRangeProblem(name: string, min: string, max: string): string | null {
  const [lo, hi] = [min.trim(), max.trim()];
  if (name.trim() === "" && (lo !== "" || hi !== "")) return "Pick a score name: Min and Max apply to one score.";
  const bad = [["Min", lo], ["Max", hi]].filter(([, v]) => v !== "" && scoreBound(v!) === undefined).map(([label]) => label);
  if (bad.length) return `${bad.join(" and ")} must be from 0 to 1.`;
  if (lo !== "" && hi !== "" && Number(lo) > Number(hi)) return "Min is above Max.";
  return null;
}
