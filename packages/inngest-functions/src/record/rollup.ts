import type { Transaction } from "kysely";
import {
  type Calendar,
  calendars,
  CUBOIDS,
  type CuboidId,
  type Database,
  type Fact,
  FACTS,
  type Grain,
  grainStart,
  keyColumns,
  localKey,
  measureColumns,
  type TableGrain,
  type TagKey,
  tableGrains,
  tableName,
  TAG_CUBOIDS,
  tagKeys,
} from "@tally/shared/db";
import { execute, type Statement, statement } from "./rollup-sql.ts";

type Tx = Transaction<Database>;

/**
 * A fact's rollup key: its 15-minute bucket, model and customer, the run's function slug and ALL of the
 * run's tags (the promoted ones become tag rows), and the fact's own keys (usage: kind; scores: name;
 * score bins: name and bin; judge: judge_model).
 */
export interface RollupKey {
  bucket: number;
  model: string;
  customer_id: string;
  function_slug: string;
  tags: Readonly<Record<string, string>>;
  kind?: string;
  judge_model?: string;
  name?: string;
  bin?: number;
}

export interface BumpOptions {
  /** Only these cuboids (a move writes those whose key changes: `movedCuboids`). Default: all. */
  cuboids?: readonly CuboidId[];
  /** Tag rows for exactly these keys, whatever their `filled_to` (the tag fill). Default: every promoted key, for buckets it has filled. */
  tagKeys?: readonly string[];
}

/** A rollup table one fact is summed into, with its key columns and the columns its deltas add to. */
interface Target {
  name: string;
  grain: TableGrain;
  keys: readonly string[];
  sums: readonly string[];
}
/** Each fact's tables per cuboid (from the catalogue): its UTC grains, and its local calendars' table if kept. */
type Targets = Record<CuboidId, { grains: Target[]; local: Target | null }>;
const ALL_CUBOIDS = Object.keys(CUBOIDS) as CuboidId[];
const TARGETS = Object.fromEntries(
  (Object.keys(FACTS) as Fact[]).map((fact) => {
    const target = (cuboid: CuboidId, grain: TableGrain): Target => ({
      name: tableName(fact, cuboid, grain),
      grain,
      keys: keyColumns(fact, cuboid, grain),
      sums: measureColumns(fact),
    });
    const perCuboid = Object.fromEntries(
      ALL_CUBOIDS.map((c) => [
        c,
        { grains: CUBOIDS[c].grains.map((g) => target(c, g)), local: tableGrains(fact, c).includes("local") ? target(c, "local") : null },
      ]),
    );
    return [fact, perCuboid];
  }),
) as Record<Fact, Targets>;

/** One rollup row's change: add `sums` (in the target's column order) to the row keyed `key`, created if missing. */
interface RowDelta {
  target: Target;
  key: (string | number)[];
  sums: number[];
}

/**
 * Adds `deltas` to one fact's rollup rows, creating them if needed (an upsert that sums), in the caller's
 * transaction: for every cuboid of the catalogue (or `opts.cuboids`) each grain's row (model × customer
 * at 15 minutes is the base table `rollup_<fact>_15m`), usage, scores and runs also per local calendar
 * (LOCAL_FACTS × local cuboids, for buckets the calendar has filled), and in the tag cuboids one row per
 * promoted key (tag_value: the run's value or ''; for buckets the key has filled). Negative deltas move
 * counts when a run is re-attributed; a row whose count falls to zero is deleted so readers never see
 * empty groups. Inside batchRollups (every recording transaction) the rows are summed in memory and
 * written when the batch ends.
 */
export async function bump(trx: Tx, fact: Fact, key: RollupKey, deltas: Record<string, number>, opts: BumpOptions = {}): Promise<void> {
  const targets = TARGETS[fact];
  const sumsOf = targets.model_customer.grains[0]!.sums;
  for (const [k] of FACTS[fact].keys) if ((key as unknown as Record<string, unknown>)[k] === undefined) throw new Error(`rollup ${fact}: missing key ${k}`);
  for (const c in deltas) if (!sumsOf.includes(c)) throw new Error(`rollup ${fact}: no column ${c}`);
  const sums = sumsOf.map((c) => deltas[c] ?? 0);
  const bucket = Number(key.bucket);
  const value = (col: string, start: number, tag?: readonly [string, string], calendar?: number): string | number => {
    if (col === "bucket") return start;
    if (col === "calendar") return calendar!;
    if (col === "tag_key") return tag![0];
    if (col === "tag_value") return tag![1];
    const v = (key as unknown as Record<string, string | number | undefined>)[col];
    if (v === undefined) throw new Error(`rollup ${fact}: missing key ${col}`);
    return v;
  };
  const rows: RowDelta[] = [];
  const cuboids = opts.cuboids ?? ALL_CUBOIDS;
  const tags = cuboids.some((c) => TAG_CUBOIDS.includes(c)) ? await tagRowsOf(trx, key, bucket, opts.tagKeys) : [];
  for (const cuboid of cuboids) {
    const { grains, local } = targets[cuboid];
    for (const t of grains) {
      const start = grainStart(t.grain as Grain, bucket);
      if (TAG_CUBOIDS.includes(cuboid)) for (const tag of tags) rows.push({ target: t, key: t.keys.map((c) => value(c, start, tag)), sums });
      else rows.push({ target: t, key: t.keys.map((c) => value(c, start)), sums });
    }
    if (!local) continue;
    // A calendar still filling takes only buckets its fill has passed; the fill reads the rest from the
    // rows this transaction writes (fillCalendars).
    for (const cal of await calendarsIn(trx)) {
      if (cal.filled_to !== null && bucket >= cal.filled_to) continue;
      const day = localKey(cal, bucket);
      if (TAG_CUBOIDS.includes(cuboid)) for (const tag of tags) rows.push({ target: local, key: local.keys.map((c) => value(c, day, tag, cal.id)), sums });
      else rows.push({ target: local, key: local.keys.map((c) => value(c, day, undefined, cal.id)), sums });
    }
  }
  const pending = batches.get(trx);
  if (pending) add(pending, rows);
  else await flush(trx, add(new Map(), rows));
}

/** The (tag_key, tag_value) pairs a fact is written under: each promoted key that has filled `bucket`, or exactly `only`. */
async function tagRowsOf(trx: Tx, key: RollupKey, bucket: number, only?: readonly string[]): Promise<(readonly [string, string])[]> {
  const keys = only ?? (await tagKeysIn(trx)).filter((k) => k.filled_to === null || bucket < k.filled_to).map((k) => k.tag_key);
  return keys.map((k) => [k, Object.hasOwn(key.tags, k) ? key.tags[k]! : ""] as const);
}

/** The calendars, read once per transaction: one added later is filled from what this one commits. */
const calendarCache = new WeakMap<Tx, Promise<Calendar[]>>();
function calendarsIn(trx: Tx): Promise<Calendar[]> {
  let hit = calendarCache.get(trx);
  if (!hit) {
    hit = calendars(trx);
    calendarCache.set(trx, hit);
  }
  return hit;
}

/** The promoted tag keys, read once per transaction, like the calendars. */
const tagKeyCache = new WeakMap<Tx, Promise<TagKey[]>>();
function tagKeysIn(trx: Tx): Promise<TagKey[]> {
  let hit = tagKeyCache.get(trx);
  if (!hit) {
    hit = tagKeys(trx);
    tagKeyCache.set(trx, hit);
  }
  return hit;
}

/** What decides a run's rollup rows beyond the fact itself. */
export interface RunAttribution {
  model: string;
  customerId: string;
  tags: Readonly<Record<string, string>>;
}

/**
 * The cuboids a move from one attribution to another rewrites: those whose key changes. A customer or a
 * model change moves its own cuboid, model × customer (with the base row), function and tag (each × model ×
 * customer) and function × model and tag × model (a model) or function × customer and tag × customer (a
 * customer); a tag that gains a value moves the tag rows only (every tag cuboid).
 */
export function movedCuboids(from: RunAttribution, to: RunAttribution): CuboidId[] {
  const moved = new Set<CuboidId>();
  const both = ["model_customer", "function", "tag"] as const;
  if (from.model !== to.model) for (const c of ["model", "function_model", "tag_model", ...both] as const) moved.add(c);
  if (from.customerId !== to.customerId) for (const c of ["customer", "function_customer", "tag_customer", ...both] as const) moved.add(c);
  const keys = new Set([...Object.keys(from.tags), ...Object.keys(to.tags)]);
  if ([...keys].some((k) => from.tags[k] !== to.tags[k])) for (const c of TAG_CUBOIDS) moved.add(c);
  return ALL_CUBOIDS.filter((c) => moved.has(c));
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

/**
 * Runs `fn` inside the caller's batch with its rollup rows held apart: they join the batch when `fn`
 * returns and are dropped when it throws (a group commit rolls that record back to its savepoint, so its
 * rollup rows must go too: tx.ts).
 */
export async function stagedRollups<T>(trx: Tx, fn: () => Promise<T>): Promise<T> {
  const outer = batches.get(trx);
  if (!outer) throw new Error("stagedRollups runs inside batchRollups");
  const staged: Pending = new Map();
  batches.set(trx, staged);
  try {
    const out = await fn();
    for (const byKey of staged.values()) add(outer, [...byKey.values()]);
    return out;
  } finally {
    batches.set(trx, outer);
  }
}

function add(pending: Pending, rows: RowDelta[]): Pending {
  for (const r of rows) {
    let byKey = pending.get(r.target);
    if (!byKey) {
      byKey = new Map();
      pending.set(r.target, byKey);
    }
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
  const upserts: Statement[] = [];
  const emptied: [Target, (string | number)[]][] = [];
  for (const [target, byKey] of pending) {
    // Deltas that cancel out (a run added, then forgotten) leave the row as it was.
    const rows = [...byKey.values()].filter((r) => r.sums.some((d) => d !== 0));
    for (let i = 0, c = 0; i < rows.length; ) {
      while (CHUNKS[c]! > rows.length - i) c++;
      const n = CHUNKS[c]!;
      upserts.push(upsert(trx, target, rows.slice(i, i + n)));
      i += n;
    }
    // A count summing to 0 or less may have emptied the row (float sums can leave a residue, so only the
    // count decides).
    for (const r of rows) if (r.sums[0]! <= 0) emptied.push([target, r.key]);
  }
  await execute(trx, upserts);
  for (const [target, key] of emptied) await execute(trx, [deleteIfEmpty(trx, target, key)]);
}

function upsert(trx: Tx, { name, keys, sums }: Target, rows: RowDelta[]): Statement {
  const params: (string | number)[] = [];
  for (const r of rows) params.push(...r.key, ...r.sums);
  // Kysely cannot type a column set chosen at run time; the catalogue is the contract. Built on a cache miss only.
  return statement(trx, `upsert|${name}|${rows.length}`, params, (db) =>
    db
      .insertInto(name)
      .values(rows.map((r) => Object.fromEntries([...keys.map((c, i) => [c, r.key[i]]), ...sums.map((c, i) => [c, r.sums[i]])])))
      .onConflict((oc) =>
        oc.columns(keys as string[]).doUpdateSet((eb) => Object.fromEntries(sums.map((c) => [c, eb(eb.ref(`${name}.${c}`), "+", eb.ref(`excluded.${c}`))]))),
      ),
  );
}

function deleteIfEmpty(trx: Tx, { name, keys, sums }: Target, key: (string | number)[]): Statement {
  return statement(trx, `delete|${name}`, [...key, 0], (db) => {
    let del = db.deleteFrom(name);
    for (let i = 0; i < keys.length; i++) del = del.where(keys[i]!, "=", key[i]!);
    return del.where(sums[0]!, "=", 0);
  });
}
