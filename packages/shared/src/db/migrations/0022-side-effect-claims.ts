import type { Kysely } from "kysely";

// Frozen once landed.
// A lease per paid or visible side effect (the judge call of an evaluation, the Slack post of a
// notification, an alert's send), keyed by the kind and the record's key: two deliveries that overlap take turns
// instead of both calling. The holder's result is kept until the record is written, so a delivery that
// finds it reuses it; the row is removed once the outcome is recorded.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("side_effect_claims")
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("owner", "text", (c) => c.notNull())
    .addColumn("lease_until", "bigint", (c) => c.notNull())
    .addColumn("result", "text")
    .addPrimaryKeyConstraint("side_effect_claims_pk", ["kind", "key"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("side_effect_claims").execute();
}
