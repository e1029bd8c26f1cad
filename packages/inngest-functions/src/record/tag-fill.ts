import { sql, type Transaction } from "kysely";
import { BUCKET_MS, DAY_MS, type Database, type Db, type Fact, FACTS, firstFactBucket, measureColumns, tableName, TAG_CUBOIDS, tagKeys } from "@tally/shared/db";
import { runContributions } from "./contributions.ts";
import { batchRollups, bump } from "./rollup.ts";

type Tx = Transaction<Database>;

/**
 * A fill transaction covers one UTC day of buckets, or fewer when the day holds more than MAX_FACTS facts
 * (runs, usage lines and scores; a fact replays in ~0.25 ms): writers wait for one chunk at most. A
 * 15-minute bucket is never split.
 */
const FILL_CHUNK_MS = DAY_MS;
const MAX_FACTS = 100;
/**
 * A run's usage lines and scores carry their own delivery's time (the payload's occurredAt, else the deferred
 * event's ts), usually seconds after the run's: when a chunk's counts fall short of its base tables' after
 * replaying its own runs, the runs within a bucket of it are replayed too, and if still short every run
 * with a line or score in the chunk is looked up (usage_costs and scores have no index on time: a scan, rare).
 */
const NEAR_MS = BUCKET_MS;
/** Runs replayed per runContributions call. */
const RUNS_PER_READ = 500;

/**
 * Fills pending promoted tag keys (tag-keys.ts, TALLY_TAG_KEYS) from the raw rows, one UTC day of buckets (at
 * most MAX_FACTS facts) per `BEGIN IMMEDIATE` transaction, moving the keys' `filled_to` in the same
 * transaction, until every key is complete, `pause` (run between transactions; the server yields to requests there) says stop, or
 * `budgetMs` has passed. Each run's facts are replayed from its raw rows (`runContributions`, the same
 * contributions every writer bumps) into the tag cuboids alone, those in the chunk's buckets only. bump()
 * writes a key's rows only for buckets before its `filled_to` (inside the writer's own transaction), the
 * fill writes the rest, so each delta lands once. Keys pending from the same bucket fill together.
 * Returns the chunks filled.
 */
export async function fillTagKeys(db: Db, opts: { pause?: () => Promise<boolean>; budgetMs?: number } = {}): Promise<number> {
  const until = opts.budgetMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + opts.budgetMs;
  let chunks = 0;
  while (Date.now() < until && (await fillChunk(db))) {
    chunks++;
    if (opts.pause && !(await opts.pause())) break;
  }
  return chunks;
}

async function fillChunk(db: Db): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const pending = (await tagKeys(trx)).filter((k) => k.filled_to !== null);
    if (pending.length === 0) return false;
    const filledTo = Math.min(...pending.map((k) => k.filled_to!));
    const keys = pending.filter((k) => k.filled_to === filledTo).map((k) => k.tag_key);
    // Gaps in the data are skipped: the chunk starts at the first bucket at or after filled_to.
    const from = await firstFactBucket(trx, filledTo);
    const to = from === null ? null : await chunkEnd(trx, from);
    if (from !== null && to !== null) await replay(trx, keys, from, to);
    await trx.updateTable("rollup_tag_keys").set({ filled_to: to }).where("tag_key", "in", keys).execute();
    return true;
  });
}

/** Adds the tag rows of `keys` for every fact in the buckets [from, to), replayed from the raw rows of the runs they belong to. */
async function replay(trx: Tx, keys: string[], from: number, to: number): Promise<void> {
  const done = new Set<string>();
  const found = Object.fromEntries((Object.keys(FACTS) as Fact[]).map((f) => [f, 0])) as Record<Fact, number>;
  const apply = async (runIds: string[]) => {
    const fresh = runIds.filter((id) => !done.has(id));
    for (const id of fresh) done.add(id);
    for (let i = 0; i < fresh.length; i += RUNS_PER_READ) {
      for (const c of await runContributions(trx, fresh.slice(i, i + RUNS_PER_READ))) {
        const bucket = Number(c.key.bucket);
        if (bucket < from || bucket >= to) continue;
        found[c.fact] += c.deltas[measureColumns(c.fact)[0]!] ?? 0;
        await bump(trx, c.fact, c.key, c.deltas, { cuboids: TAG_CUBOIDS, tagKeys: keys });
      }
    }
  };
  await batchRollups(trx, async () => {
    await apply(await runsBetween(trx, from, to));
    // Every raw row counts once in its base table, so a fact whose chunk count exceeds what was found has
    // rows whose run lies outside the chunk.
    const held = await chunkCounts(trx, from, to);
    const short = () => (Object.keys(FACTS) as Fact[]).some((f) => held[f] > found[f]);
    if (short()) await apply(await runsBetween(trx, from - NEAR_MS, to + NEAR_MS));
    if (short()) await apply(await farRuns(trx, from, to));
  });
}

/** The end of the chunk starting at `from`: a day later, or the first bucket end by which MAX_FACTS facts are held. */
async function chunkEnd(trx: Tx, from: number): Promise<number> {
  const counted: Fact[] = ["runs", "usage", "scores"];
  const per = counted.map((f) => `select bucket, ${measureColumns(f)[0]} as c from "${tableName(f, "model_customer", "15m")}" where bucket >= ${Number(from)} and bucket < ${Number(from + FILL_CHUNK_MS)}`);
  const rows = await sql<{ bucket: number; c: number }>`select bucket, sum(c) as c from (${sql.raw(per.join(" union all "))}) as per group by bucket order by bucket`.execute(trx);
  let facts = 0;
  for (const r of rows.rows) {
    facts += Number(r.c);
    if (facts >= MAX_FACTS) return Number(r.bucket) + BUCKET_MS;
  }
  return from + FILL_CHUNK_MS;
}

async function runsBetween(trx: Tx, from: number, to: number): Promise<string[]> {
  return (await trx.selectFrom("runs").select("run_id").where("occurred_at", ">=", from).where("occurred_at", "<", to).execute()).map((r) => r.run_id);
}

/** Each fact's count (its first measure) in the base table over [from, to). */
async function chunkCounts(trx: Tx, from: number, to: number): Promise<Record<Fact, number>> {
  const out = {} as Record<Fact, number>;
  for (const f of Object.keys(FACTS) as Fact[]) {
    const count = measureColumns(f)[0]!;
    const row = await sql<{ n: number | null }>`select sum(${sql.ref(count)}) as n from ${sql.table(tableName(f, "model_customer", "15m"))} where bucket >= ${from} and bucket < ${to}`.execute(trx);
    out[f] = Number(row.rows[0]?.n ?? 0);
  }
  return out;
}

/** The runs with a usage line or a score in [from, to), wherever the run's own time lies. */
async function farRuns(trx: Tx, from: number, to: number): Promise<string[]> {
  const usage = trx.selectFrom("usage_costs").select("run_id").where("occurred_at", ">=", from).where("occurred_at", "<", to);
  const scores = trx.selectFrom("scores").select("run_id").where("occurred_at", ">=", from).where("occurred_at", "<", to);
  return (await usage.union(scores).execute()).map((r) => r.run_id);
}
