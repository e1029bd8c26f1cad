import type { Db } from "@tally/shared/db";
import type { CustomerUpsertInput } from "@tally/shared";

export interface CustomerItem {
  id: string;
  name: string;
  monthlyBudgetMicros: number | null;
  createdAt: number;
  updatedAt: number;
}

export async function listCustomers(db: Db): Promise<CustomerItem[]> {
  const rows = await db
    .selectFrom("customers")
    .select(["id", "name", "monthly_budget_micros", "created_at", "updated_at"])
    .orderBy("name")
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    monthlyBudgetMicros: r.monthly_budget_micros,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

export async function upsertCustomer(db: Db, c: CustomerUpsertInput, now: number): Promise<CustomerItem> {
  const r = await db
    .insertInto("customers")
    .values({ id: c.id, name: c.name, monthly_budget_micros: c.monthlyBudgetMicros, created_at: now, updated_at: now })
    .onConflict((oc) =>
      oc.column("id").doUpdateSet({ name: c.name, monthly_budget_micros: c.monthlyBudgetMicros, updated_at: now }),
    )
    .returning(["id", "name", "monthly_budget_micros", "created_at", "updated_at"])
    .executeTakeFirstOrThrow();
  return { id: r.id, name: r.name, monthlyBudgetMicros: r.monthly_budget_micros, createdAt: r.created_at, updatedAt: r.updated_at };
}
