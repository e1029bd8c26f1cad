import type { Kysely } from "kysely";

// Frozen once landed.
// Human review (issue 19): review queue and reviews.
// 1. `review_items`: one per score evaluation sent to review (its id is the evaluation's key), with the run's
//    model and customer copied for the queue's filters, the agent's input and output as the judge saw them,
//    status pending | reviewed | expired. Indexes serve the queue: by status and time, by model, by customer.
// 2. `reviews` (one per reviewer per item, `${item_id}:${reviewer_id}`) and `review_scores` (a reviewer's
//    1–5 per criterion): human labels, kept apart from the judge's `scores` and its rollups.
// 3. `review_sampling`: per score name, the share of scored runs sent to review and the judge score below
//    which a run always is.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("review_items")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("customer_id", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("judge_model", "text", (c) => c.notNull())
    .addColumn("rubric_version", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("input", "text")
    .addColumn("output", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("occurred_at", "bigint", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("resolved_at", "bigint")
    .execute();
  await db.schema.createIndex("review_items_status_time").on("review_items").columns(["status", "occurred_at", "id"]).execute();
  await db.schema.createIndex("review_items_time").on("review_items").columns(["occurred_at", "id"]).execute();
  await db.schema.createIndex("review_items_model_time").on("review_items").columns(["model", "occurred_at"]).execute();
  await db.schema.createIndex("review_items_customer_time").on("review_items").columns(["customer_id", "occurred_at"]).execute();
  await db.schema.createIndex("review_items_run").on("review_items").column("run_id").execute();

  await db.schema
    .createTable("reviews")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("item_id", "text", (c) => c.notNull())
    .addColumn("run_id", "text", (c) => c.notNull())
    .addColumn("reviewer_id", "text", (c) => c.notNull())
    .addColumn("reviewer_label", "text", (c) => c.notNull())
    .addColumn("verdict", "text", (c) => c.notNull())
    .addColumn("note", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("reviews_item").on("reviews").column("item_id").execute();
  await db.schema.createIndex("reviews_run").on("reviews").column("run_id").execute();

  await db.schema
    .createTable("review_scores")
    .addColumn("review_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("raw_value", "double precision", (c) => c.notNull())
    .addColumn("value", "double precision", (c) => c.notNull())
    .addPrimaryKeyConstraint("review_scores_pk", ["review_id", "name"])
    .execute();

  await db.schema
    .createTable("review_sampling")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("rate", "double precision", (c) => c.notNull())
    .addColumn("threshold", "double precision")
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("updated_by", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["review_sampling", "review_scores", "reviews", "review_items"]) await db.schema.dropTable(table).execute();
}
