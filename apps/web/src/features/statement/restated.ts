/** A statement's restatements (spend.statement `restatements`): what it said before repricing jobs changed it. Pure. */

export interface RestatementInput {
  lines: number;
  beforeMicros: number | null;
  afterMicros: number | null;
  beforeUnpricedCalls: number;
  afterUnpricedCalls: number;
}

/**
 * The statement's total before the first of its restatements: today's priced total and unpriced calls, with each
 * job's after taken out and its before put back (a line repriced twice chains: the first job's before is what
 * was first read). Null spend when nothing was priced then.
 */
export function beforeRestatements(
  total: { spendMicros: number | null; unpricedCalls: number },
  jobs: readonly RestatementInput[],
): { spendMicros: number | null; unpricedCalls: number } {
  const spend = jobs.reduce((a, j) => a - (j.afterMicros ?? 0) + (j.beforeMicros ?? 0), total.spendMicros ?? 0);
  const unpricedCalls = jobs.reduce((a, j) => a - j.afterUnpricedCalls + j.beforeUnpricedCalls, total.unpricedCalls);
  // Something was priced then if a job found a priced line, or if a priced amount is left once the jobs' are taken out.
  const pricedThen = jobs.some((j) => j.beforeMicros !== null) || (total.spendMicros !== null && spend !== 0);
  return { spendMicros: pricedThen ? spend : null, unpricedCalls };
}

/** A job's change to the statement in micro-USD (after − before, priced parts only). */
export const restatedBy = (j: RestatementInput): number => (j.afterMicros ?? 0) - (j.beforeMicros ?? 0);
