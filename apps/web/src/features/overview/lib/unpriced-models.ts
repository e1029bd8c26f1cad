/** The models behind the Overview's "unpriced usage" warning, so each links straight to pricing it. Pure. */

export interface UnpricedModel {
  model: string;
  /** Calls of this model (its own usage lines, agent or judge) recorded without a price in the window. */
  calls: number;
}

/**
 * From `spend.byModel` over the Overview's window: a row's `agentUnpricedCalls` are lines of the row's own
 * model; `judgeModels` holds the judges' own lines by judge model. (A row's `judgeUnpricedCalls` are keyed by
 * the model JUDGED, whose price would not fix them, so they are left out.) Most unpriced calls first.
 */
export function unpricedModels(byModel: {
  rows: { model: string; agentUnpricedCalls: number }[];
  judgeModels: { model: string; unpricedCalls: number }[];
}): UnpricedModel[] {
  const calls = new Map<string, number>();
  for (const r of byModel.rows) if (r.agentUnpricedCalls > 0) calls.set(r.model, (calls.get(r.model) ?? 0) + r.agentUnpricedCalls);
  for (const j of byModel.judgeModels) if (j.unpricedCalls > 0) calls.set(j.model, (calls.get(j.model) ?? 0) + j.unpricedCalls);
  return [...calls]
    .map(([model, n]) => ({ model, calls: n }))
    .sort((a, b) => b.calls - a.calls || a.model.localeCompare(b.model));
}
