import { type Kysely, sql, type Transaction } from "kysely";
import type { Database } from "@tally/shared/db";
import { batchRollups, stagedRollups } from "./rollup.ts";

/** One record's writes, given the transaction. */
type Writes<T> = (trx: Transaction<Database>) => Promise<T>;
interface Job {
  record: Writes<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Records committed together at most (a bound on how long one transaction holds the write lock). */
const MAX_GROUP = 32;
const queues = new WeakMap<Kysely<Database>, { jobs: Job[]; running: boolean }>();

/**
 * Runs `record` in a write transaction (it waits for the write lock: connect.ts), or inside the caller's when
 * `db` already is one, so bulk writers (the demo seed, benches) can put many records in one commit while
 * each record stays atomic on its own. Rollup rows are summed in memory and written at the end of the
 * transaction (batchRollups).
 *
 * Group commit: records that arrive while a transaction is running wait for it (they would wait for the
 * write lock anyway), then go in ONE transaction together, each under a savepoint: one that throws is rolled
 * back to its savepoint, its rollup rows dropped (stagedRollups), and rejects alone; the others commit. Every
 * promise settles after the commit, so a record reported done is committed. When the group's transaction fails
 * (a record's rollup rows refused when the batch is written, a lost connection), nothing of it was written
 * and each record goes again in a transaction of its own, so one bad record cannot fail the others. A day,
 * week or 4-week rollup row that the group's records share is written once, and the group commits once.
 */
export function inTransaction<T>(db: Kysely<Database>, record: Writes<T>): Promise<T> {
  if (db.isTransaction) {
    const trx = db as Transaction<Database>;
    return batchRollups(trx, () => record(trx));
  }
  return new Promise<T>((resolve, reject) => {
    let queue = queues.get(db);
    if (!queue) {
      queue = { jobs: [], running: false };
      queues.set(db, queue);
    }
    queue.jobs.push({ record, resolve: resolve as (value: unknown) => void, reject });
    if (!queue.running) void drain(db, queue);
  });
}

async function drain(db: Kysely<Database>, queue: { jobs: Job[]; running: boolean }): Promise<void> {
  queue.running = true;
  try {
    // One turn of the event loop first: requests already received run up to their own record and join.
    await new Promise((resolve) => setImmediate(resolve));
    while (queue.jobs.length > 0) await commitGroup(db, queue.jobs.splice(0, MAX_GROUP));
  } finally {
    queue.running = false;
  }
}

async function commitGroup(db: Kysely<Database>, jobs: Job[]): Promise<void> {
  const outcomes: Outcome[] = [];
  try {
    await db.transaction().execute((trx) =>
      batchRollups(trx, async () => {
        if (jobs.length === 1) {
          outcomes.push({ ok: true, value: await jobs[0]!.record(trx) });
          return;
        }
        for (const job of jobs) outcomes.push(await underSavepoint(trx, job.record));
      }),
    );
  } catch (error) {
    // Nothing of the group was committed. One record may be the cause (its rollup rows refused when the batch
    // is written, after every savepoint): each goes again alone, so it fails alone and the others commit.
    if (jobs.length > 1) for (const job of jobs) await commitGroup(db, [job]);
    else jobs[0]!.reject(error);
    return;
  }
  jobs.forEach((job, i) => {
    const outcome = outcomes[i]!;
    if (outcome.ok) job.resolve(outcome.value);
    else job.reject(outcome.error);
  });
}

/** One record of a group: rolled back to its savepoint (and its rollup rows dropped) if it throws. */
async function underSavepoint(trx: Transaction<Database>, record: Writes<unknown>): Promise<Outcome> {
  await sql`savepoint tally_record`.execute(trx);
  let outcome: Outcome;
  try {
    outcome = { ok: true, value: await stagedRollups(trx, () => record(trx)) };
  } catch (error) {
    // A failure of the rollback itself (the connection is gone) fails the whole group instead.
    await sql`rollback to savepoint tally_record`.execute(trx);
    outcome = { ok: false, error };
  }
  await sql`release savepoint tally_record`.execute(trx);
  return outcome;
}
