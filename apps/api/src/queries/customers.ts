import { type Db, recordBudgetChange } from "@tally/shared/db";
import type { CustomerUpsertInput } from "@tally/shared";
import { writeAudit } from "../auth/audit.ts";
import type { Actor } from "../auth/principal.ts";

export interface CustomerItem {
  id: string;
  name: string;
  monthlyBudgetMicros: number | null;
  createdAt: number;
  updatedAt: number;
}

const columns = ["id", "name", "monthly_budget_micros", "created_at", "updated_at"] as const;
type Row = { id: string; name: string; monthly_budget_micros: number | null; created_at: number; updated_at: number };
const toItem = (r: Row): CustomerItem => ({ id: r.id, name: r.name, monthlyBudgetMicros: r.monthly_budget_micros, createdAt: r.created_at, updatedAt: r.updated_at });

export async function listCustomers(db: Db): Promise<CustomerItem[]> {
  const rows = await db.selectFrom("customers").select(columns).orderBy("name").orderBy("id").execute();
  return rows.map(toItem);
}

/**
 * Creates or renames a customer and sets its monthly budget, with the audit record and a changed budget's
 * history row (`recordBudgetChange`), in one transaction.
 */
export async function upsertCustomer(db: Db, actor: Actor, c: CustomerUpsertInput, now: number): Promise<CustomerItem> {
  return db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom("customers").select(columns).where("id", "=", c.id).executeTakeFirst();
    const had = before?.monthly_budget_micros == null ? null : Number(before.monthly_budget_micros);
    // Left out, the budget stays as it is: a rename never clears it.
    const budget = c.monthlyBudgetMicros === undefined ? had : c.monthlyBudgetMicros;
    const r = await upsertRow(trx, { ...c, monthlyBudgetMicros: budget }, now);
    // A change of a customer's budget is dated (its first budget applies to its past too: recordBudgetChange).
    if (before) await recordBudgetChange(trx, c.id, had, budget, now);
    await writeAudit(trx, actor, { action: "customers.upsert", target: `customer:${c.id}`, before: before ? toItem(before) : null, after: toItem(r) }, now);
    return toItem(r);
  });
}

function upsertRow(db: Db, c: CustomerUpsertInput & { monthlyBudgetMicros: number | null }, now: number): Promise<Row> {
  return db
    .insertInto("customers")
    .values({ id: c.id, name: c.name, monthly_budget_micros: c.monthlyBudgetMicros, created_at: now, updated_at: now })
    .onConflict((oc) =>
      oc.column("id").doUpdateSet({ name: c.name, monthly_budget_micros: c.monthlyBudgetMicros, updated_at: now }),
    )
    .returning(columns)
    .executeTakeFirstOrThrow();
}
