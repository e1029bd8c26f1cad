import { sql } from "kysely";
import type { Db, UsageCost } from "@tally/shared/db";
import type { RepriceScope } from "@tally/shared";
import { ALL_UNITS, catalogModelId, type NormalizedUsage, type PricedUsage, type PriceOverride, priceUsage, storedProviderIds } from "@tally/shared/pricing";

/**
 * A repricing's lines as stored with its job: the scope asked for, and the stored model ids it covers — the
 * model itself and every id the catalog prices as the same model (`gpt-4o-2024-08-06` with `gpt-4o`), the
 * ids an override for the model applies to (pricing/price.ts `pickOverride`).
 */
export interface StoredScope {
  model: string;
  provider?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  models: string[];
}

export async function storedScope(db: Db, s: RepriceScope): Promise<StoredScope> {
  const family = catalogModelId(s.model, s.provider);
  const stored = await db.selectFrom("usage_costs").select("model").distinct().execute();
  const models = stored
    .map((r) => r.model)
    .filter((m) => m === s.model || (family !== null && catalogModelId(m, s.provider) === family))
    .sort();
  return { model: s.model, provider: s.provider, from: s.from, to: s.to, models };
}

/** The scope's lines in id order, after `after` (a job's cursor); every column (the units are priced). */
export function scopeLines(db: Db, s: StoredScope, after?: string | null) {
  let q = db.selectFrom("usage_costs").selectAll();
  q = s.models.length ? q.where("model", "in", s.models) : q.where(sql<boolean>`0 = 1`);
  if (s.provider !== undefined) q = q.where("provider", "in", storedProviderIds(s.provider));
  if (s.from !== undefined) q = q.where("occurred_at", ">=", s.from);
  if (s.to !== undefined) q = q.where("occurred_at", "<", s.to);
  if (after) q = q.where("id", ">", after);
  return q.orderBy("id");
}

/**
 * What a stored line costs now: its stored units priced at its own time with the overrides given and the
 * catalog, with the provider it was stored with ('' = none sent and none known). Throws a UsageError when
 * the cost would be out of bounds.
 */
export function priceNow(line: UsageCost, overrides: readonly PriceOverride[]): PricedUsage {
  const stored = line as unknown as Record<string, number>;
  const usage = Object.fromEntries(ALL_UNITS.map((u) => [u.column, Number(stored[u.column] ?? 0)])) as unknown as NormalizedUsage;
  return priceUsage(usage, line.model, line.provider || undefined, line.occurred_at, overrides);
}

/** Whether repricing changes what the line stores. */
export function differs(line: UsageCost, p: PricedUsage): boolean {
  return (
    p.costMicros !== line.cost_micros ||
    p.inputCostMicros !== line.input_cost_micros ||
    p.outputCostMicros !== line.output_cost_micros ||
    p.priceSource !== line.price_source ||
    p.provider !== line.provider
  );
}

/** Priced micro-USD and priced / unpriced line counts, added up line by line. */
export class Totals {
  lines = 0;
  changed = 0;
  beforeMicros = 0;
  beforePriced = 0;
  afterMicros = 0;
  afterPriced = 0;
  add(before: number | null, after: number | null, changed: boolean): void {
    this.lines++;
    if (changed) this.changed++;
    if (before !== null) (this.beforeMicros += before), this.beforePriced++;
    if (after !== null) (this.afterMicros += after), this.afterPriced++;
  }
  /** Money fields are null when no line of theirs is priced (unpriced is never 0). */
  view() {
    const before = this.beforePriced > 0 ? this.beforeMicros : null;
    const after = this.afterPriced > 0 ? this.afterMicros : null;
    return {
      lines: this.lines,
      beforeMicros: before,
      afterMicros: after,
      deltaMicros: before === null && after === null ? null : (after ?? 0) - (before ?? 0),
      beforeUnpriced: this.lines - this.beforePriced,
      afterUnpriced: this.lines - this.afterPriced,
    };
  }
}
