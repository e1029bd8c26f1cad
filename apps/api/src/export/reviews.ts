import type { ServerResponse } from "node:http";
import type { ReviewExportInput } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import { listReviewQueue } from "../queries/reviews.ts";
import { csvLine, write } from "./csv.ts";
import { exportFileName, fileNamePart, localIso } from "./period.ts";

const PAGE = 200;

/**
 * `/api/export/reviews.csv`: one row per review (a reviewer's labels of an item) of the queue items the
 * filters select, newest item first; each row carries the item, the judge's raw scores and the reviewer's
 * (`name=value;…`, 1–5), the verdict and the note; times in the input's zone with their offset. Paged through the queue, never built in memory.
 */
export async function exportReviews(db: Db, res: ServerResponse, f: ReviewExportInput): Promise<void> {
  await write(
    res,
    csvLine([
      "item_id", "run_id", "occurred_at", "model", "customer_id", "judge_model", "rubric_version", "reason", "status",
      "reviewer", "verdict", "note", "reviewed_at", "judge_scores", "reviewer_scores",
    ]),
  );
  let cursor: string | undefined;
  do {
    const { timeZone: _zone, ...filter } = f;
    const page = await listReviewQueue(db, { ...filter, limit: PAGE, cursor });
    const ids = page.items.map((i) => i.id);
    if (ids.length > 0) {
      const [reviews, scores, judge] = await Promise.all([
        db.selectFrom("reviews").selectAll().where("item_id", "in", ids).orderBy("created_at").orderBy("id").execute(),
        db
          .selectFrom("review_scores as rs")
          .innerJoin("reviews as r", "r.id", "rs.review_id")
          .select(["rs.review_id", "rs.name", "rs.raw_value"])
          .where("r.item_id", "in", ids)
          .orderBy("rs.name")
          .execute(),
        db.selectFrom("scores").select(["id", "run_id", "name", "raw_value"]).where("run_id", "in", page.items.map((i) => i.runId)).orderBy("name").execute(),
      ]);
      let chunk = "";
      for (const item of page.items) {
        const judged = judge.filter((s) => s.id === `${item.id}:${s.name}`).map((s) => `${s.name}=${s.raw_value}`).join(";");
        for (const r of reviews.filter((x) => x.item_id === item.id)) {
          const own = scores.filter((s) => s.review_id === r.id).map((s) => `${s.name}=${s.raw_value}`).join(";");
          chunk += csvLine([
            item.id, item.runId, localIso(item.occurredAt, f.timeZone), item.model, item.customerId, item.judgeModel, item.rubricVersion, item.reason, item.status,
            r.reviewer_label, r.verdict, r.note, localIso(Number(r.created_at), f.timeZone), judged, own,
          ]);
        }
      }
      if (chunk) await write(res, chunk);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/**
 * `reviews_<from>_<to>_<zone>.csv`, named as every other export (`exportFileName`: the period in the query's zone);
 * an open end reads `start` / `now`.
 */
export function reviewsFileName(name: string, f: { from?: number | undefined; to?: number | undefined; timeZone: string }): string {
  if (f.from !== undefined && f.to !== undefined) return exportFileName(name, f.from, f.to, f.timeZone);
  const day = (ms: number | undefined, open: string) => (ms === undefined ? open : localIso(ms, f.timeZone).slice(0, 10));
  return `${name}_${day(f.from, "start")}_${day(f.to, "now")}_${fileNamePart(f.timeZone)}.csv`;
}
