import { monthKey, type RepriceScope } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import { type PricedUsage, UsageError } from "@tally/shared/pricing";
import { InputError } from "../queries/common.ts";
import { cursorOf, differs, priceNow, readScopeLines, storedScope, Totals } from "./lines.ts";

/** Lines read per query: memory stays bounded whatever the scope. */
const PAGE = 2_000;

/**
 * `reprice.preview`: what repricing the scope would change, without writing. Before = each line's stored
 * cost, after = its stored units priced now (current overrides and catalog) at the line's own time; agent
 * and judge lines alike. Totals, per customer, per model (the stored model id) and per calendar month of the
 * line's own time in `timeZone` (a closed month's statements change by its row).
 */
export async function previewReprice(db: Db, { timeZone, ...input }: RepriceScope & { timeZone: string }) {
  const scope = await storedScope(db, input);
  const overrides = await db.selectFrom("model_prices").selectAll().execute();
  const total = new Totals();
  const byCustomer = new Map<string, Totals>();
  const byModel = new Map<string, Totals>();
  const byMonth = new Map<string, Totals>();
  const group = (m: Map<string, Totals>, key: string) => m.get(key) ?? m.set(key, new Totals()).get(key)!;
  for (let cursor: string | null = null; ; ) {
    const rows = await readScopeLines(db, scope, cursor, PAGE);
    for (const line of rows) {
      let now: PricedUsage;
      try {
        now = priceNow(line, overrides);
      } catch (e) {
        if (e instanceof UsageError) throw new InputError("model", `line ${line.id}: ${e.message}`);
        throw e;
      }
      const changed = differs(line, now);
      for (const t of [total, group(byCustomer, line.customer_id), group(byModel, line.model), group(byMonth, monthKey(Number(line.occurred_at), timeZone))]) t.add(line.cost_micros, now.costMicros, changed);
    }
    if (rows.length < PAGE) break;
    cursor = cursorOf(rows[rows.length - 1]!);
  }
  const ids = [...byCustomer.keys()];
  const names = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom("customers").select(["id", "name"]).where("id", "in", ids.slice(i, i + 500)).execute();
    for (const r of rows) names.set(r.id, r.name);
  }
  const largestChangeFirst = <T extends { deltaMicros: number | null }>(a: T, b: T) => Math.abs(b.deltaMicros ?? 0) - Math.abs(a.deltaMicros ?? 0);
  return {
    scope,
    changedLines: total.changed,
    ...total.view(),
    byCustomer: [...byCustomer]
      .map(([customerId, t]) => ({ customerId, customerName: names.get(customerId) ?? null, changedLines: t.changed, ...t.view() }))
      .sort(largestChangeFirst),
    byModel: [...byModel].map(([model, t]) => ({ model, changedLines: t.changed, ...t.view() })).sort(largestChangeFirst),
    /** Newest month first, in `timeZone`. */
    byMonth: [...byMonth].map(([month, t]) => ({ month, changedLines: t.changed, ...t.view() })).sort((a, b) => b.month.localeCompare(a.month)),
    timeZone,
  };
}

export type RepricePreview = Awaited<ReturnType<typeof previewReprice>>;
