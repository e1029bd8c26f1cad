import { type Compilable, CompiledQuery, type Transaction } from "kysely";
import { type Calendar, calendars, type Database, grainStart, localKey } from "@tally/shared/db";

type Tx = Transaction<Database>;
type RollupTable = "rollup_runs_15m" | "rollup_usage_15m" | "rollup_scores_15m" | "rollup_score_bins_15m";

/** The count column: a row whose count is back to zero holds nothing and is deleted. */
const COUNT: Record<RollupTable, string> = {
  rollup_runs_15m: "runs",
  rollup_usage_15m: "calls",
  rollup_scores_15m: "n",
  rollup_score_bins_15m: "n",
};

const KEYS: Record<RollupTable, readonly string[]> = {
  rollup_runs_15m: ["bucket", "model", "customer_id", "function_slug"],
  rollup_usage_15m: ["bucket", "model", "customer_id", "kind"],
  rollup_scores_15m: ["bucket", "model", "customer_id", "name"],
  rollup_score_bins_15m: ["bucket", "model", "customer_id", "name", "bin"],
};

const PROJECTIONS: Record<RollupTable, string> = {
  rollup_runs_15m: "rollup_runs",
  rollup_usage_15m: "rollup_usage",
  rollup_scores_15m: "rollup_scores",
  rollup_score_bins_15m: "rollup_score_bins",
};
const GRAINS = ["15m", "1h", "6h", "1d", "1w", "4w"] as const;
/** The facts kept per local calendar too (LOCAL_TABLES). */
const LOCAL = new Set<RollupTable>(["rollup_usage_15m", "rollup_scores_15m"]);

export type Dim = "model" | "customer_id";
const DIMS: readonly Dim[] = ["model", "customer_id"];

/**
 * Adds `deltas` to one rollup row, creating it if needed (an upsert that sums), and to its projections
 * (per model and per customer, by 15 minutes, UTC hour, 6 hours, day, week and 4 weeks: migrations
 * 0002–0004; usage and scores also by each local calendar's day or week: 0005), in the caller's
 * transaction. Negative deltas move counts when a run is re-attributed; a row whose count falls to zero
 * is deleted so readers never see empty groups. `dims` limits the projections written: a move
 * between customers leaves the per-model rows as they are (`movedDims`).
 */
export async function bump(
  trx: Tx,
  table: RollupTable,
  key: Record<string, string | number>,
  deltas: Record<string, number>,
  dims: readonly Dim[] = DIMS,
): Promise<void> {
  const keyCols = KEYS[table];
  for (const k of keyCols) if (!(k in key)) throw new Error(`rollup ${table}: missing key ${k}`);
  const countCol = COUNT[table];
  await upsert(trx, { name: table, keyCols, key, deltas, countCol });
  const rest = keyCols.filter((k) => !["bucket", "model", "customer_id", "function_slug"].includes(k));
  const restKey = Object.fromEntries(rest.map((k) => [k, key[k]!]));
  const bucket = Number(key.bucket);
  for (const dim of dims) {
    const prefix = `${PROJECTIONS[table]}_${dim === "model" ? "model" : "customer"}`;
    for (const grain of GRAINS) {
      const pkey = { bucket: grainStart(grain, bucket), [dim]: key[dim]!, ...restKey };
      await upsert(trx, { name: `${prefix}_${grain}`, keyCols: ["bucket", dim, ...rest], key: pkey, deltas, countCol });
    }
    if (!LOCAL.has(table)) continue;
    for (const cal of await calendarsIn(trx)) {
      const pkey = { calendar: cal.id, bucket: localKey(cal, bucket), [dim]: key[dim]!, ...restKey };
      await upsert(trx, { name: `${prefix}_local`, keyCols: ["calendar", "bucket", dim, ...rest], key: pkey, deltas, countCol });
    }
  }
}

/** The calendars, read once per transaction: one that syncCalendars adds later is backfilled from what this one commits. */
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

/** One rollup row's change: add `deltas` to the row of `name` keyed `key` (`keyCols`), created if missing. */
interface RowDelta {
  name: string;
  keyCols: readonly string[];
  key: Record<string, string | number>;
  deltas: Record<string, number>;
  countCol: string;
}
const batches = new WeakMap<Tx, Map<string, RowDelta>>();

/**
 * Runs `fn` (many records in the caller's transaction: the demo seed, its clearing, bench generation) with
 * rollup writes gathered in memory, one sum per row, and written once per row at the end, still inside the
 * transaction. Nothing reads rollups while recording, so the rows come out as if written one by one; a
 * day, week or 4-week row that hundreds of runs touch is written once instead of hundreds of times.
 */
export async function batchRollups<T>(trx: Tx, fn: () => Promise<T>): Promise<T> {
  if (batches.has(trx)) return fn();
  const pending = new Map<string, RowDelta>();
  batches.set(trx, pending);
  try {
    const out = await fn();
    for (const p of pending.values()) {
      // Deltas that cancel out (a run added, then forgotten) leave the row as it was; a count summing to 0
      // or less may have emptied the row (float sums can leave a residue, so only the count decides).
      if (Object.values(p.deltas).every((d) => d === 0)) continue;
      await write(trx, p, (p.deltas[p.countCol] ?? 0) <= 0);
    }
    return out;
  } finally {
    batches.delete(trx);
  }
}

async function upsert(trx: Tx, r: RowDelta): Promise<void> {
  const pending = batches.get(trx);
  if (!pending) return write(trx, r);
  const id = `${r.name}\u0000${r.keyCols.map((k) => r.key[k]).join("\u0000")}`;
  const hit = pending.get(id);
  if (!hit) pending.set(id, { ...r, key: { ...r.key }, deltas: { ...r.deltas } });
  else for (const [c, d] of Object.entries(r.deltas)) hit.deltas[c] = (hit.deltas[c] ?? 0) + d;
}

async function write(trx: Tx, { name, keyCols, key, deltas, countCol }: RowDelta, mayEmpty = Object.values(deltas).some((d) => d < 0)): Promise<void> {
  // Kysely cannot type a column set chosen at run time; the key lists above are the contract.
  const values = { ...key, ...deltas };
  await run(trx, `upsert|${name}|${keyCols.join(",")}|${Object.keys(values).join(",")}`, Object.values(values), (db) =>
    db
      .insertInto(name)
      .values(values)
      .onConflict((oc) =>
        oc.columns(keyCols as string[]).doUpdateSet((eb) =>
          Object.fromEntries(Object.keys(deltas).map((c) => [c, eb(eb.ref(`${name}.${c}`), "+", eb.ref(`excluded.${c}`))])),
        ),
      ),
  );
  if (mayEmpty) {
    await run(trx, `delete|${name}|${keyCols.join(",")}|${countCol}`, [...keyCols.map((k) => key[k]!), 0], (db) => {
      let del = db.deleteFrom(name);
      for (const k of keyCols) del = del.where(k, "=", key[k]);
      return del.where(countCol, "=", 0);
    });
  }
}

/**
 * Runs a rollup write whose SQL is built once per shape (table and columns) and dialect, then reused with
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
