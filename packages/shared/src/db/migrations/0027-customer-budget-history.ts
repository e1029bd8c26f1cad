import type { Kysely } from "kysely";

// Frozen once landed.
// A customer's monthly budget as it changes (customers.upsert): a past month's statement and budget use are
// measured against the budget in force then, not today's. A customer with no history row has had its current
// budget all along (customers written before this migration, or written directly); the first change writes the
// old value from the start of time, then the new one from the change.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("customer_budget_history")
    .addColumn("customer_id", "text", (c) => c.notNull())
    .addColumn("effective_from", "bigint", (c) => c.notNull())
    .addColumn("monthly_budget_micros", "bigint")
    .addPrimaryKeyConstraint("customer_budget_history_pk", ["customer_id", "effective_from"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("customer_budget_history").execute();
}
