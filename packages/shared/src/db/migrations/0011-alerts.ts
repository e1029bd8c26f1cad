import type { Kysely } from "kysely";

// Frozen once landed.
// Alerts (issue 18): rules, channels, each rule × subject × period's state, notifications.
// 1. `alert_rules` with the built-in rule `builtin-budget` (kind budget, 80% and 100% of every customer's
//    monthly budget): it can be turned off or edited, not removed.
// 2. `alert_channels` (Slack incoming webhooks, Standard Webhooks endpoints with their signing secret).
// 3. `alert_states`: the last evaluation of a rule for a subject and period (PK rule, subject, period).
// 4. `alert_notifications`: one per rule × subject × period × event × channel (the id), newest first by
//    (created_at, id) for the history; pending ones by status.
// 5. `evaluations_created_at` (created_at, status): the judge-failure rule counts evaluations by status in a
//    window from this index alone (the rollups count runs, not failed evaluations).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("alert_rules")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("params", "text", (c) => c.notNull())
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("builtin", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  const now = Date.now();
  await db
    .insertInto("alert_rules")
    .values({
      id: "builtin-budget",
      kind: "budget",
      name: "Monthly budget (80% and 100%)",
      params: JSON.stringify({ thresholds: [80, 100] }),
      enabled: 1,
      builtin: 1,
      created_by: "system",
      created_at: now,
      updated_at: now,
    })
    .execute();
  await db.schema
    .createTable("alert_channels")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("secret", "text")
    .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("alert_states")
    .addColumn("rule_id", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("period", "text", (c) => c.notNull())
    .addColumn("firing", "integer", (c) => c.notNull())
    .addColumn("value", "double precision")
    .addColumn("threshold", "double precision")
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("link", "text", (c) => c.notNull())
    .addColumn("since", "bigint", (c) => c.notNull())
    .addColumn("evaluated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("alert_states_pk", ["rule_id", "subject", "period"])
    .execute();
  await db.schema
    .createTable("alert_notifications")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("rule_id", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("period", "text", (c) => c.notNull())
    .addColumn("event", "text", (c) => c.notNull())
    .addColumn("channel_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_error", "text")
    .addColumn("message", "text", (c) => c.notNull())
    .addColumn("link", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("sent_at", "bigint")
    .execute();
  await db.schema.createIndex("alert_notifications_created").on("alert_notifications").columns(["created_at", "id"]).execute();
  await db.schema.createIndex("alert_notifications_rule").on("alert_notifications").columns(["rule_id", "created_at", "id"]).execute();
  await db.schema.createIndex("alert_notifications_status").on("alert_notifications").columns(["status", "created_at"]).execute();
  await db.schema.createIndex("evaluations_created_at").on("evaluations").columns(["created_at", "status"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("evaluations_created_at").execute();
  for (const table of ["alert_notifications", "alert_states", "alert_channels", "alert_rules"]) await db.schema.dropTable(table).execute();
}
