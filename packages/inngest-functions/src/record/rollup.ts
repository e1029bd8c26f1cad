import { type Compilable, CompiledQuery, type Transaction } from "kysely";
import { type Calendar, calendars, type Database, grainStart, localKey } from "@tally/shared/db";

type Tx = Transaction<Database>;
type RollupTable = "rollup_runs_15m" | "rollup_usage_15m" | "rollup_scores_15m" | "rollup_score_bins_15m";

/**
 * Each fact's key columns, the columns its deltas add to (the count first: a row whose count is back to
 * zero holds nothing and is deleted) and its projections' name.
 */
const FACTS: Record<RollupTable, { keys: readonly string[]; sums: readonly string[]; projection: string }> = {
  rollup_runs_15m: {
    keys: ["bucket", "model", "customer_id", "function_slug"],
    // 0009: runs the judge left out, and the judge's spend on the run (keyed by the run, not the judge's model).
    sums: ["runs", "scored_runs", "unsampled_runs", "judge_skipped_runs", "judge_cost_micros", "judge_priced_calls", "judge_unpriced_calls"],
    projection: "rollup_runs",
  },
  rollup_usage_15m: {
    keys: ["bucket", "model", "customer_id", "kind"],
    sums: ["calls", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_micros", "priced_calls", "unpriced_calls", "unpriced_tokens"],
    projection: "rollup_usage",
  },
  rollup_scores_15m: { keys: ["bucket", "model", "customer_id", "name"], sums: ["n", "sum_value", "sum_sq_value"], projection: "rollup_scores" },
  rollup_score_bins_15m: { keys: ["bucket", "model", "customer_id", "name", "bin"], sums: ["n"], projection: "rollup_score_bins" },
};
const GRAINS = ["15m", "1h", "6h", "1d", "1w", "4w"] as const;
/** The facts kept per local calendar too (LOCAL_TABLES). */
const LOCAL = new Set<RollupTable>(["rollup_usage_15m", "rollup_scores_15m"]);

export type Dim = "model" | "customer_id";
const DIMS: readonly Dim[] = ["model", "customer_id"];

/** A rollup table one fact is summed into, with its key columns and the columns its deltas add to. */
interface Target {
  name: string;
  keys: readonly string[];
  sums: readonly string[];
}
/** Each fact's tables: its own, then per dimension each grain's projection and (usage, scores) the calendars'. */
interface Targets extends Record<Dim, { grains: Target[]; local: Target | null }> {
  own: Target;
  /** Key columns beyond bucket and the dimensions, kept by the projections. */
  rest: readonly string[];
}
function targetsOf(table: RollupTable): Targets {
  const { keys, sums, projection } = FACTS[table];
  const rest = keys.filter((k) => !["bucket", "model", "customer_id", "function_slug"].includes(k));
  const per = (dim: Dim) => {
    const prefix = `${projection}_${dim === "model" ? "model" : "customer"}`;
    return {
      grains: GRAINS.map((g) => ({ name: `${prefix}_${g}`, keys: ["bucket", dim, ...rest], sums })),
      local: LOCAL.has(table) ? { name: `${prefix}_local`, keys: ["calendar", "bucket", dim, ...rest], sums } : null,
    };
  };
  return { own: { name: table, keys, sums }, rest, model: per("model"), customer_id: per("customer_id") };
}
const TARGETS = {} as Record<RollupTable, Targets>;
for (const table of Object.keys(FACTS) as RollupTable[]) TARGETS[table] = targetsOf(table);

/** One rollup row's change: add `sums` (in the target's column order) to the row keyed `key`, created if missing. */
interface RowDelta {
  target: Target;
  key: (string | number)[];
  sums: number[];
}

/**
 * Adds `deltas` to one rollup row, creating it if needed (an upsert that sums), and to its projections
 * (per model and per customer, by 15 minutes, UTC hour, 6 hours, day, week and 4 weeks: migrations
 * 0002–0004; usage and scores also by each local calendar's day or week: 0005), in the caller's
 * transaction. Negative deltas move counts when a run is re-attributed; a row whose count falls to zero
 * is deleted so readers never see empty groups. `dims` limits the projections written: a move
 * between customers leaves the per-model rows as they are (`movedDims`). Inside batchRollups (every
 * recording transaction) the rows are summed in memory and written when the batch ends.
 */
export async function bump(
  trx: Tx,
  table: RollupTable,
  key: Record<string, string | number>,
  deltas: Record<string, number>,
  dims: readonly Dim[] = DIMS,
): Promise<void> {
  const t = TARGETS[table];
  for (const k of t.own.keys) if (!(k in key)) throw new Error(`rollup ${table}: missing key ${k}`);
  for (const c in deltas) if (!t.own.sums.includes(c)) throw new Error(`rollup ${table}: no column ${c}`);
  const sums = t.own.sums.map((c) => deltas[c] ?? 0);
  const rest = t.rest.map((k) => key[k]!);
  const bucket = Number(key.bucket);
  const rows: RowDelta[] = [{ target: t.own, key: t.own.keys.map((k) => key[k]!), sums }];
  for (const dim of dims) {
    const { grains, local } = t[dim];
    for (let g = 0; g < GRAINS.length; g++) rows.push({ target: grains[g]!, key: [grainStart(GRAINS[g]!, bucket), key[dim]!, ...rest], sums });
    if (!local) continue;
    // A calendar still filling takes only buckets its fill has passed; the fill reads the rest from the
    // 15-minute rows this transaction writes (fillCalendars).
    for (const cal of await calendarsIn(trx)) {
      if (cal.filled_to === null || bucket < cal.filled_to) rows.push({ target: local, key: [cal.id, localKey(cal, bucket), key[dim]!, ...rest], sums });
    }
  }
  const pending = batches.get(trx);
  if (pending) add(pending, rows);
  else await flush(trx, add(new Map(), rows));
}

/** The calendars, read once per transaction: one added later is filled from what this one commits. */
const calendarCache = new WeakMap<Tx, Promise<Calendar[]>>();
function calendarsIn(trx: Tx): Promise<Calendar[]> {
  let hit = calendarCache.get(trx);
  if (!hit) calendarCache.set(trx, (hit = calendars(trx)));
  return hit;
}

/** The projections a move from one key to another changes: those whose own key differs. */
export function movedDims(from: { model: string; customerId: string }, to: { model: string; customerId: string }): Dim[] {
  return DIMS.filter((d) => (d === "model" ? from.model !== to.model : from.customerId !== to.customerId));
}

/** Rows waiting in a batch: per target, by key. */
type Pending = Map<Target, Map<string, RowDelta>>;
const batches = new WeakMap<Tx, Pending>();

/**
 * Runs `fn` (records in the caller's transaction: one deferred function's, or many for the demo seed, its
 * clearing and bench generation) with rollup writes gathered in memory, one sum per row, and written at
 * the end, still inside the transaction, a table's rows in multi-row upserts. Nothing reads rollups while
 * recording, so the rows come out as if written one by one; a day, week or 4-week row that hundreds of
 * runs touch is written once instead of hundreds of times.
 */
export async function batchRollups<T>(trx: Tx, fn: () => Promise<T>): Promise<T> {
  if (batches.has(trx)) return fn();
  const pending: Pending = new Map();
  batches.set(trx, pending);
  try {
    const out = await fn();
    await flush(trx, pending);
    return out;
  } finally {
    batches.delete(trx);
  }
}

function add(pending: Pending, rows: RowDelta[]): Pending {
  for (const r of rows) {
    let byKey = pending.get(r.target);
    if (!byKey) pending.set(r.target, (byKey = new Map()));
    const id = rowId(r.key);
    const hit = byKey.get(id);
    if (!hit) byKey.set(id, { ...r, sums: [...r.sums] });
    else for (let i = 0; i < r.sums.length; i++) hit.sums[i]! += r.sums[i]!;
  }
  return pending;
}

/** A row's key as one string, one to one: a string value goes with its length, since ids may hold any character. */
function rowId(key: (string | number)[]): string {
  let id = "";
  for (const v of key) id += typeof v === "string" ? `${v.length}:${v}\u0000` : `${v}\u0000`;
  return id;
}

/** Statement sizes: a table's rows go in as few statements as these sizes allow (a bounded set of SQL texts). */
const CHUNKS = [256, 64, 16, 4, 1];

async function flush(trx: Tx, pending: Pending): Promise<void> {
  for (const [target, byKey] of pending) {
    // Deltas that cancel out (a run added, then forgotten) leave the row as it was.
    const rows = [...byKey.values()].filter((r) => r.sums.some((d) => d !== 0));
    for (let i = 0, c = 0; i < rows.length; ) {
      while (CHUNKS[c]! > rows.length - i) c++;
      await upsert(trx, target, rows.slice(i, (i += CHUNKS[c]!)));
    }
    // A count summing to 0 or less may have emptied the row (float sums can leave a residue, so only the
    // count decides).
    for (const r of rows) if (r.sums[0]! <= 0) await deleteIfEmpty(trx, target, r.key);
  }
}

function upsert(trx: Tx, { name, keys, sums }: Target, rows: RowDelta[]): Promise<void> {
  const params: (string | number)[] = [];
  for (const r of rows) params.push(...r.key, ...r.sums);
  // Kysely cannot type a column set chosen at run time; FACTS is the contract. Built on a cache miss only.
  return run(trx, `upsert|${name}|${rows.length}`, params, (db) =>
    db
      .insertInto(name)
      .values(rows.map((r) => Object.fromEntries([...keys.map((c, i) => [c, r.key[i]]), ...sums.map((c, i) => [c, r.sums[i]])])))
      .onConflict((oc) =>
        oc.columns(keys as string[]).doUpdateSet((eb) => Object.fromEntries(sums.map((c) => [c, eb(eb.ref(`${name}.${c}`), "+", eb.ref(`excluded.${c}`))]))),
      ),
  );
}

function deleteIfEmpty(trx: Tx, { name, keys, sums }: Target, key: (string | number)[]): Promise<void> {
  return run(trx, `delete|${name}`, [...key, 0], (db) => {
    let del = db.deleteFrom(name);
    for (let i = 0; i < keys.length; i++) del = del.where(keys[i]!, "=", key[i]!);
    return del.where(sums[0]!, "=", 0);
  });
}

/**
 * Runs a rollup write whose SQL is built once per shape (table and row count) and dialect, then reused with
 * fresh values: building and compiling the query cost more than SQLite takes to run it (a judged run
 * writes ~100 rollup rows: bench generation went from 125 to 395 runs/s).
 */
const compiled = new WeakMap<object, Map<string, string>>();
async function run(
  trx: Tx,
  shape: string,
  params: readonly (string | number)[],
  build: (db: Transaction<any>) => Compilable,
): Promise<void> {
  // The executor's adapter identifies the dialect (placeholders differ between SQLite and PostgreSQL);
  // getExecutor() is marked internal in Kysely's types but is how plugins reach the adapter.
  const adapter = trx.getExecutor().adapter;
  let byShape = compiled.get(adapter);
  if (!byShape) compiled.set(adapter, (byShape = new Map()));
  let text = byShape.get(shape);
  if (text === undefined) {
    const q = build(trx as unknown as Transaction<any>).compile();
    // The cached text is only reused if it takes exactly these parameters, in this order.
    if (q.parameters.length !== params.length || q.parameters.some((p, i) => p !== params[i])) {
      throw new Error(`rollup ${shape}: compiled query does not take its values in column order`);
    }
    text = q.sql;
    byShape.set(shape, text);
  }
  await trx.executeQuery(CompiledQuery.raw(text, [...params]));
}
