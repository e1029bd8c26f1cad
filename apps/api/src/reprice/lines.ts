import type { SelectQueryBuilder } from "kysely";
import type { Database, Db, UsageCost } from "@tally/shared/db";
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

/**
 * Up to `limit` of the scope's lines after `cursor`, every column (the units are priced). Lines go model by
 * model (the scope's ids sorted), in id order within a model, so each read is a range of the
 * usage_costs (model, id) index; the cursor is the last line read, as JSON `[model, id]` (`cursorOf`).
 */
export async function readScopeLines(db: Db, s: StoredScope, cursor: string | null, limit: number): Promise<UsageCost[]> {
  const [fromModel, afterId] = cursor ? (JSON.parse(cursor) as [string, string]) : [undefined, undefined];
  const out: UsageCost[] = [];
  for (const model of s.models) {
    if (fromModel !== undefined && model < fromModel) continue;
    let q = scopeFilter(db.selectFrom("usage_costs").selectAll().where("model", "=", model), s);
    if (model === fromModel) q = q.where("id", ">", afterId!);
    out.push(...(await q.orderBy("id").limit(limit - out.length).execute()));
    if (out.length >= limit) break;
  }
  return out;
}

export const cursorOf = (line: UsageCost) => JSON.stringify([line.model, line.id]);

/** How many lines the scope holds now. */
export async function countScopeLines(db: Db, s: StoredScope): Promise<number> {
  if (s.models.length === 0) return 0;
  const q = scopeFilter(db.selectFrom("usage_costs").where("model", "in", s.models), s);
  const r = await q.select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return Number(r.n);
}

function scopeFilter<Q extends SelectQueryBuilder<Database, "usage_costs", unknown>>(q: Q, s: StoredScope): Q {
  let out = q;
  if (s.provider !== undefined) out = out.where("provider", "in", storedProviderIds(s.provider)) as Q;
  if (s.from !== undefined) out = out.where("occurred_at", ">=", s.from) as Q;
  if (s.to !== undefined) out = out.where("occurred_at", "<", s.to) as Q;
  return out;
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
    if (before !== null) {
      this.beforeMicros += before;
      this.beforePriced++;
    }
    if (after !== null) {
      this.afterMicros += after;
      this.afterPriced++;
    }
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
