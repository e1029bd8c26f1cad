import { monthShares } from "../months.ts";
import type { Db } from "./connect.ts";
import { readAll } from "./dialect.ts";

/** Each customer's budget over time: `at(t)` is the monthly budget in force at `t` (null: none then). */
type Timeline = (t: number) => number | null;

/**
 * The budget timelines (and names) of customers with a `customers` row (`ids` narrows them): the latest
 * `customer_budget_history` row from `t` or before; a customer without history rows has had today's budget
 * all along, and one whose first row is after `t` had none. Both tables read at once on PostgreSQL.
 */
async function budgetTimelines(db: Db, ids?: readonly string[]): Promise<Map<string, { name: string; budgetAt: Timeline }>> {
  const out = new Map<string, { name: string; budgetAt: Timeline }>();
  const chunks = ids === undefined ? [undefined] : Array.from({ length: Math.ceil(ids.length / 500) }, (_, i) => ids.slice(i * 500, i * 500 + 500));
  for (const chunk of chunks) {
    if (chunk?.length === 0) continue;
    let customers = db.selectFrom("customers").select(["id", "name", "monthly_budget_micros"]);
    let history = db.selectFrom("customer_budget_history").select(["customer_id", "effective_from", "monthly_budget_micros"]).orderBy("effective_from");
    if (chunk) {
      customers = customers.where("id", "in", chunk);
      history = history.where("customer_id", "in", chunk);
    }
    const [historyRows, customerRows] = await readAll(db, [() => history.execute(), () => customers.execute()]);
    const byCustomer = new Map<string, { from: number; budget: number | null }[]>();
    for (const h of historyRows) {
      const rows = byCustomer.get(h.customer_id) ?? byCustomer.set(h.customer_id, []).get(h.customer_id)!;
      rows.push({ from: Number(h.effective_from), budget: h.monthly_budget_micros === null ? null : Number(h.monthly_budget_micros) });
    }
    for (const c of customerRows) {
      const rows = byCustomer.get(c.id);
      const current = c.monthly_budget_micros === null ? null : Number(c.monthly_budget_micros);
      out.set(c.id, { name: c.name, budgetAt: rows ? (t) => rows.filter((r) => r.from <= t).at(-1)?.budget ?? null : () => current });
    }
  }
  return out;
}

/** Each customer's monthly budget in force at `at` (null: none then); `ids` narrows them. */
export async function budgetsAt(db: Db, at: number, ids?: readonly string[]): Promise<Map<string, number | null>> {
  return new Map([...(await budgetTimelines(db, ids))].map(([id, { budgetAt }]) => [id, budgetAt(at)]));
}

/** A customer's budget for a period (`customerBudgets`). */
export interface PeriodBudget {
  /** The customer's display name (`customers.name`). */
  name: string;
  /** The monthly budget of the calendar month holding `at` (in force at that month's end, as its statement has it). */
  monthly: number | null;
  /** The sum over the period's months of each one's budget times its share inside (whole micro-dollars); null unless every month has one. */
  period: number | null;
  /** Some months of the period have a budget and some have none: the period has none (its spend is not all budgeted). */
  partial: boolean;
}

/**
 * Each customer's budget for `period`, month by month over its calendar months in `timeZone` (`monthShares`):
 * a month's budget is the one in force at its end, as the month's statement has it; and the monthly budget of
 * the month holding `at`. `ids` narrows the customers.
 */
export async function customerBudgets(
  db: Db,
  ids: readonly string[],
  o: { at: number; period: { from: number; to: number }; timeZone: string },
): Promise<Map<string, PeriodBudget>> {
  const months = monthShares(o.period.from, o.period.to, o.timeZone);
  const monthOfAt = monthShares(o.at, o.at + 1, o.timeZone)[0]!;
  const out = new Map<string, PeriodBudget>();
  for (const [id, { name, budgetAt }] of await budgetTimelines(db, ids)) {
    const budgets = months.map((m) => ({ budget: budgetAt(m.end - 1), share: m.share }));
    const all = budgets.every((b) => b.budget !== null);
    out.set(id, {
      name,
      monthly: budgetAt(monthOfAt.end - 1),
      period: all ? Math.round(budgets.reduce((sum, b) => sum + b.budget! * b.share, 0)) : null,
      partial: !all && budgets.some((b) => b.budget !== null),
    });
  }
  return out;
}

/**
 * Records a budget change (customers.upsert, inside its transaction). A customer's first budget applies to its
 * past too (no row); a later change writes the old budget from the start of time, if no row has yet, so the
 * months before keep it, then the new one from `now`.
 */
export async function recordBudgetChange(trx: Db, customerId: string, before: number | null, after: number | null, now: number): Promise<void> {
  if (before === after) return;
  const known = await trx.selectFrom("customer_budget_history").select("customer_id").where("customer_id", "=", customerId).limit(1).executeTakeFirst();
  if (!known && before === null) return;
  const rows = [...(known ? [] : [{ customer_id: customerId, effective_from: 0, monthly_budget_micros: before }]), { customer_id: customerId, effective_from: now, monthly_budget_micros: after }];
  await trx
    .insertInto("customer_budget_history")
    .values(rows)
    .onConflict((oc) => oc.columns(["customer_id", "effective_from"]).doUpdateSet((eb) => ({ monthly_budget_micros: eb.ref("excluded.monthly_budget_micros") })))
    .execute();
}
