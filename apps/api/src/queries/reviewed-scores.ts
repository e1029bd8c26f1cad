import { sql } from "kysely";
import { type Db, tagValue } from "@tally/shared/db";
import type { AggregateFilter, Window } from "./common.ts";

/**
 * The one join of human labels to the judge's scores (issue 19): each stored review's score of a criterion
 * (`review_scores`) with the judge's score of that criterion on the same evaluation (`scores.id` =
 * `<review item id>:<name>`, the item's id being the evaluation's key), filtered like every quality figure: the
 * judge score's time in the window (the time its rollups are bucketed by), its judged model, the run's
 * customer ('' = unattributed), function and tag value ('' = without the tag), the score names. Agreement reads its pairs from it; the human-corrected
 * trend its per-score reviewer means. Reviews are a sample of scored runs, so raw rows are few.
 */
export function reviewedScores(db: Db, f: AggregateFilter & { scoreNames?: string[] | undefined }, w: Window) {
  let q = db
    .selectFrom("reviews as r")
    .innerJoin("review_scores as rs", "rs.review_id", "r.id")
    .innerJoin("scores as s", (j) => j.on("s.id", "=", sql<string>`r.item_id || ':' || rs.name`))
    .where("s.source", "=", "judge")
    .where("s.occurred_at", ">=", w.from)
    .where("s.occurred_at", "<", w.to);
  if (f.models?.length) q = q.where("s.model", "in", f.models);
  if (f.scoreNames?.length) q = q.where("s.name", "in", f.scoreNames);
  const customers = f.customerIds;
  if (customers?.length) q = q.where("s.run_id", "in", (eb) => eb.selectFrom("runs").select("run_id").where("customer_id", "in", customers));
  const slugs = f.functionSlugs;
  if (slugs?.length) q = q.where("s.run_id", "in", (eb) => eb.selectFrom("runs").select("run_id").where("function_slug", "in", slugs));
  for (const [key, value] of Object.entries(f.tags ?? {})) {
    q = q.where("s.run_id", "in", (eb) => eb.selectFrom("runs").select("run_id").where(tagValue(db, "tags", key), "=", value));
  }
  return q;
}
