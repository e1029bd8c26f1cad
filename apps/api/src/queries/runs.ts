import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { RunsBasis, RunsSort } from "@tally/shared";
import { type Db, readAll, tagValue } from "@tally/shared/db";
import { decodeCursor, effectiveWindow, encodeCursor, InputError, num } from "./common.ts";
import { countRuns } from "./runs-count.ts";
import { hasSpendInView, runSpendInView, type SpendView, type ViewSpend, viewSummary } from "./runs-spend-basis.ts";

/** runs.list filters: exact instants (a chart point's bucket bounds), no rounding; by spend, read in whole quarters (`asListed`). */
export interface RunsFilter {
  /** What the model, customer and time filters select (`runsBasis`): the run's own, or its spend's ("run" when absent). */
  basis?: RunsBasis | undefined;
  from: number;
  to: number;
  models?: string[] | undefined;
  customerIds?: string[] | undefined;
  functionSlugs?: string[] | undefined;
  tags?: Record<string, string> | undefined;
  scoreName?: string | undefined;
  scoreMin?: number | undefined;
  scoreMax?: number | undefined;
  sort?: RunsSort | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface RunListItem {
  runId: string;
  functionSlug: string;
  model: string;
  customerId: string;
  /** The customer's name from Settings; null when the id has none. */
  customerName: string | null;
  occurredAt: number;
  scores: { name: string; value: number }[];
  /** Priced cost of the run's lines (agent + judge); null when no line is priced. */
  costMicros: number | null;
  agentCostMicros: number | null;
  judgeCostMicros: number | null;
  unpricedCalls: number;
  /** The run's agent and judge usage lines: 0 says "no usage" (—), where a null cost with lines is "unpriced". */
  agentCalls: number;
  judgeCalls: number;
  /** Basis "spend" only: the part of the run's spend that the view counts (its lines booked in the model, customer and window). */
  inView?: ViewSpend;
}

interface Cursor {
  t: number;
  id: string;
}

/**
 * The filters as listed: by spend, the window widened to whole 15-minute buckets as every spend figure reads it,
 * so the runs' spend in the view is the figure's for any window.
 */
export function asListed<F extends RunsFilter>(f: F): F {
  return f.basis === "spend" ? { ...f, ...effectiveWindow(f) } : f;
}

/** What a list reads of each run (then `withScoresAndCosts`). */
export const RUN_COLUMNS = ["run_id", "function_slug", "model", "customer_id", "occurred_at"] as const;

/** The runs matching the filters, unordered. */
function filteredRuns(db: Db, f: RunsFilter) {
  let q = db.selectFrom("runs").select(RUN_COLUMNS);
  if (f.basis === "spend") q = q.where(hasSpendInView(db, f));
  else {
    q = q.where("occurred_at", ">=", f.from).where("occurred_at", "<", f.to);
    if (f.models?.length) q = q.where("model", "in", f.models);
    if (f.customerIds?.length) q = q.where("customer_id", "in", f.customerIds);
  }
  if (f.functionSlugs?.length) q = q.where("function_slug", "in", f.functionSlugs);
  // '' selects the runs without the key, as the aggregates' "untagged" row counts them.
  for (const [k, v] of Object.entries(f.tags ?? {})) q = q.where(tagValue(db, "tags", k), "=", v);
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
  return q;
}

/** One page of the filtered runs, newest first, keyset-paginated on (occurred_at, run_id) (the CSV export). */
export function runsQuery(db: Db, f: RunsFilter, after?: Cursor) {
  let q = filteredRuns(db, f);
  if (after) {
    q = q.where((eb) =>
      eb.or([eb("occurred_at", "<", after.t), eb.and([eb("occurred_at", "=", after.t), eb("run_id", "<", after.id)])]),
    );
  }
  return q.orderBy("occurred_at", "desc").orderBy("run_id", "desc");
}

/**
 * The sort key of a run: its time, its priced cost (agent + judge), or its score (the filtered score name's
 * value within the filtered range, else its lowest score). A run without a priced line or a score sorts
 * last in both directions; ties go by run id in the same direction, so paging is stable.
 */
function sortKey(f: RunsFilter, sort: RunsSort) {
  const missing = sort.endsWith("-asc") ? 9e15 : -1;
  if (sort.startsWith("time")) return sql<number>`runs.occurred_at`;
  if (sort.startsWith("cost")) {
    return sql<number>`coalesce((select sum(u.cost_micros) from usage_costs u where u.run_id = runs.run_id), ${missing})`;
  }
  const named =
    f.scoreName === undefined
      ? sql``
      : sql` and s.name = ${f.scoreName} and s.value >= ${f.scoreMin ?? 0} and s.value <= ${f.scoreMax ?? 1}`;
  return sql<number>`coalesce((select min(s.value) from scores s where s.run_id = runs.run_id${named}), ${missing})`;
}

interface SortCursor {
  s: RunsSort;
  /** The selection it was made for (`selectionOf`): a cursor resumes only the list that made it. */
  f: string;
  k: number;
  id: string;
}

/**
 * What a list selects, the window aside (a page of "the last 24 hours" asks again a little later): its basis,
 * filters and score range, as a short digest a cursor carries.
 */
function selectionOf(f: RunsFilter): string {
  const sorted = (xs: string[] | undefined) => [...(xs ?? [])].sort();
  const tags = Object.entries(f.tags ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const selection = [f.basis ?? "run", sorted(f.models), sorted(f.customerIds), sorted(f.functionSlugs), tags, f.scoreName ?? null, f.scoreMin ?? null, f.scoreMax ?? null];
  return createHash("sha256").update(JSON.stringify(selection)).digest("base64url").slice(0, 16);
}

export async function listRuns(
  db: Db,
  f: RunsFilter,
): Promise<{ items: RunListItem[]; nextCursor: string | null; total: number; inView?: ViewSpend }> {
  f = asListed(f);
  const sort = f.sort ?? "time-desc";
  const desc = sort.endsWith("-desc");
  const key = sortKey(f, sort);
  const selection = selectionOf(f);
  // A time or cost key is a whole number (a bigint column: 1.5 would be a PostgreSQL error, a 500); a score any finite one.
  const isSortCursor = (v: unknown): v is SortCursor => {
    if (typeof v !== "object" || v === null) return false;
    const c = v as SortCursor;
    if (typeof c.s !== "string" || typeof c.f !== "string" || typeof c.id !== "string") return false;
    return c.s.startsWith("score") ? Number.isFinite(c.k) : Number.isSafeInteger(c.k);
  };
  const after = decodeCursor(f.cursor, isSortCursor);
  if (after && (after.s !== sort || after.f !== selection)) {
    throw new InputError("cursor", "this cursor was made for another sort or other filters: start again from the first page");
  }
  let q = filteredRuns(db, f).select(key.as("sort_key"));
  if (after) {
    const op = desc ? "<" : ">";
    q = q.where((eb) => eb.or([eb(key, op, after.k), eb.and([eb(key, "=", after.k), eb("run_id", op, after.id)])]));
  }
  const dir = desc ? "desc" : "asc";
  const rawCount = async (from: number, to: number) =>
    num((await filteredRuns(db, { ...f, from, to }).clearSelect().select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
  const spend = f.basis === "spend";
  const [rows, counted] = await readAll(db, [
    () => q.orderBy(key, dir).orderBy("run_id", dir).limit(f.limit + 1).execute(),
    // The rollups count runs by their own model, customer and time: the spend basis counts its runs raw.
    async () => (spend ? await viewSummary(db, f, filteredRuns(db, f).clearSelect().select("run_id")) : { runs: await countRuns(db, f, rawCount) }),
  ]);
  const page = rows.slice(0, f.limit);
  const items = await withScoresAndCosts(db, page, spend ? f : undefined);
  const last = page[page.length - 1];
  const nextCursor = rows.length > f.limit && last ? encodeCursor({ s: sort, f: selection, k: last.sort_key, id: last.run_id }) : null;
  return { items, nextCursor, total: counted.runs, ...("inView" in counted ? { inView: counted.inView } : {}) };
}

/** The score names that exist, in order (case exact), read by skipping along the (name, …) index. */
export async function listScoreNames(db: Db): Promise<string[]> {
  const rows = await sql<{ name: string | null }>`
    with recursive n(name) as (
      select min(name) from scores
      union all
      select (select min(name) from scores where name > n.name) from n where n.name is not null
    )
    select name from n where name is not null`.execute(db);
  return rows.rows.map((r) => r.name as string);
}

type RunRow = { run_id: string; function_slug: string; model: string; customer_id: string; occurred_at: number };

/** Scores and cost lines of a page of runs, read through the (run_id, …) indexes; with a `view`, each run's spend in it. */
export async function withScoresAndCosts(db: Db, page: RunRow[], view?: SpendView): Promise<RunListItem[]> {
  if (page.length === 0) return [];
  const ids = page.map((r) => r.run_id);
  const [scores, costs, customers] = await Promise.all([
    db.selectFrom("scores").select(["run_id", "name", "value"]).where("run_id", "in", ids).orderBy("name").execute(),
    db.selectFrom("usage_costs").select(["run_id", "kind", "model", "customer_id", "occurred_at", "cost_micros"]).where("run_id", "in", ids).execute(),
    db.selectFrom("customers").select(["id", "name"]).where("id", "in", [...new Set(page.map((r) => r.customer_id))]).execute(),
  ]);
  const names = new Map(customers.map((c) => [c.id, c.name]));
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
      customerName: names.get(r.customer_id) ?? null,
      occurredAt: num(r.occurred_at),
      scores: scores.filter((s) => s.run_id === r.run_id).map((s) => ({ name: s.name, value: s.value })),
      costMicros: sum(),
      agentCostMicros: sum("agent"),
      judgeCostMicros: sum("judge"),
      unpricedCalls: lines.filter((c) => c.cost_micros === null).length,
      agentCalls: lines.filter((c) => c.kind === "agent").length,
      judgeCalls: lines.filter((c) => c.kind === "judge").length,
      ...(view ? { inView: runSpendInView(view, r, lines) } : {}),
    };
  });
}
