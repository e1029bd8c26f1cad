import { sql } from "kysely";
import type { Db } from "@tally/shared/db";
import { decodeCursor, encodeCursor, num } from "./common.ts";

/** runs.list filters: exact instants (a chart point's bucket bounds), no rounding. */
export interface RunsFilter {
  from: number;
  to: number;
  models?: string[] | undefined;
  customerIds?: string[] | undefined;
  functionSlugs?: string[] | undefined;
  tags?: Record<string, string> | undefined;
  scoreName?: string | undefined;
  scoreMin?: number | undefined;
  scoreMax?: number | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface RunListItem {
  runId: string;
  functionSlug: string;
  model: string;
  customerId: string;
  occurredAt: number;
  scores: { name: string; value: number }[];
  /** Priced cost of the run's lines (agent + judge); null when no line is priced. */
  costMicros: number | null;
  agentCostMicros: number | null;
  judgeCostMicros: number | null;
  unpricedCalls: number;
}

interface Cursor {
  t: number;
  id: string;
}
const isCursor = (v: unknown): v is Cursor =>
  typeof v === "object" && v !== null && typeof (v as Cursor).t === "number" && typeof (v as Cursor).id === "string";

/** One page of the filtered runs, newest first, keyset-paginated on (occurred_at, run_id). */
export function runsQuery(db: Db, f: RunsFilter, after?: Cursor) {
  let q = db
    .selectFrom("runs")
    .select(["run_id", "function_slug", "model", "customer_id", "occurred_at"])
    .where("occurred_at", ">=", f.from)
    .where("occurred_at", "<", f.to);
  if (f.models?.length) q = q.where("model", "in", f.models);
  if (f.customerIds?.length) q = q.where("customer_id", "in", f.customerIds);
  if (f.functionSlugs?.length) q = q.where("function_slug", "in", f.functionSlugs);
  for (const [k, v] of Object.entries(f.tags ?? {})) {
    q = q.where(sql<string>`json_extract(tags, ${`$."${k.replaceAll('"', "")}"`})`, "=", v);
  }
  if (f.scoreName !== undefined) {
    const name = f.scoreName;
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom("scores as s")
          .select(sql`1`.as("one"))
          .whereRef("s.run_id", "=", "runs.run_id")
          .where("s.name", "=", name)
          .where("s.value", ">=", f.scoreMin ?? 0)
          .where("s.value", "<=", f.scoreMax ?? 1),
      ),
    );
  }
  if (after) {
    q = q.where((eb) =>
      eb.or([eb("occurred_at", "<", after.t), eb.and([eb("occurred_at", "=", after.t), eb("run_id", "<", after.id)])]),
    );
  }
  return q.orderBy("occurred_at", "desc").orderBy("run_id", "desc");
}

export async function listRuns(db: Db, f: RunsFilter): Promise<{ items: RunListItem[]; nextCursor: string | null }> {
  const rows = await runsQuery(db, f, decodeCursor(f.cursor, isCursor))
    .limit(f.limit + 1)
    .execute();
  const page = rows.slice(0, f.limit);
  const items = await withScoresAndCosts(db, page);
  const last = page[page.length - 1];
  const nextCursor = rows.length > f.limit && last ? encodeCursor({ t: last.occurred_at, id: last.run_id }) : null;
  return { items, nextCursor };
}

type RunRow = { run_id: string; function_slug: string; model: string; customer_id: string; occurred_at: number };

/** Scores and cost lines of a page of runs, read through the covering (run_id, …) indexes. */
export async function withScoresAndCosts(db: Db, page: RunRow[]): Promise<RunListItem[]> {
  if (page.length === 0) return [];
  const ids = page.map((r) => r.run_id);
  const [scores, costs] = await Promise.all([
    db.selectFrom("scores").select(["run_id", "name", "value"]).where("run_id", "in", ids).orderBy("name").execute(),
    db.selectFrom("usage_costs").select(["run_id", "kind", "cost_micros"]).where("run_id", "in", ids).execute(),
  ]);
  return page.map((r) => {
    const lines = costs.filter((c) => c.run_id === r.run_id);
    const sum = (kind?: string) => {
      const priced = lines.filter((c) => (kind === undefined || c.kind === kind) && c.cost_micros !== null);
      return priced.length ? priced.reduce((s, c) => s + num(c.cost_micros), 0) : null;
    };
    return {
      runId: r.run_id,
      functionSlug: r.function_slug,
      model: r.model,
      customerId: r.customer_id,
      occurredAt: num(r.occurred_at),
      scores: scores.filter((s) => s.run_id === r.run_id).map((s) => ({ name: s.name, value: s.value })),
      costMicros: sum(),
      agentCostMicros: sum("agent"),
      judgeCostMicros: sum("judge"),
      unpricedCalls: lines.filter((c) => c.cost_micros === null).length,
    };
  });
}
