import { type RawBuilder, sql } from "kysely";
import { isPostgres, resetIdentitySequences, upsertRows } from "@tally/shared/db";
import type { Endpoint } from "./open.ts";
import { type AnyDb, planTables, type TablePlan } from "./tables.ts";
import { compareTotals, totalsOf, type VerifiedTable } from "./verify.ts";

export interface CopyOptions {
  /** Empty the target's tables first (its own rows go); default: keep them, and rows with a source key take the source's values. */
  replace?: boolean;
  /** Rows per page read and per insert statement (default 1000; fewer for wide tables: bound parameters stay under 30,000). */
  batchRows?: number;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface CopyReport {
  tables: VerifiedTable[];
  rows: number;
  seconds: number;
  /** True when every table's row count and numeric sums are equal on both sides. */
  verified: boolean;
}

/**
 * Copies every table of `source` into `target` (both opened by open.ts, at the same migrations) and verifies.
 *
 * The source is read in one read-only transaction (one snapshot, even if a server is still writing to it),
 * each table page by page in primary-key order (keyset: memory stays at one page). Each table is written in
 * one target transaction (a table is never half-copied), each page as one insert that, on a key the target
 * already holds, takes the source's values: re-running the copy on a target that holds the same rows changes
 * nothing, and a copy interrupted half-way completes. Rows only the target holds stay (verification then
 * names the table; `replace` empties the target first). Afterwards PostgreSQL's identity sequences move past
 * the copied ids, and every table's row count and numeric column sums are compared on both sides.
 */
export async function copyDatabase(source: Endpoint, target: Endpoint, opts: CopyOptions = {}): Promise<CopyReport> {
  const log = opts.log ?? (() => {});
  const started = performance.now();
  const src = source.db as AnyDb;
  const dst = target.db as AnyDb;
  const plans = await planTables(src, dst);
  let rows = 0;
  const sourceTotals = await src
    .transaction()
    .setAccessMode("read only")
    .execute(async (snapshot) => {
      if (opts.replace) await emptyTables(dst, plans, log);
      for (const plan of plans) rows += await copyTable(snapshot, dst, plan, opts.batchRows ?? 1000, log);
      return totalsOf(snapshot, plans);
    });
  await resetIdentitySequences(dst);
  const seconds = (performance.now() - started) / 1000;
  log(`Copied ${rows.toLocaleString("en-US")} rows in ${plans.length} tables in ${seconds.toFixed(1)} s (${Math.round(rows / Math.max(seconds, 0.001)).toLocaleString("en-US")} rows/s). Verifying…`);
  const tables = compareTotals(plans, sourceTotals, await totalsOf(dst, plans));
  return { tables, rows, seconds, verified: tables.every((t) => t.differences.length === 0) };
}

async function emptyTables(dst: AnyDb, plans: TablePlan[], log: (line: string) => void): Promise<void> {
  await dst.transaction().execute(async (trx) => {
    for (const plan of [...plans].reverse()) await sql`delete from ${sql.table(plan.name)}`.execute(trx);
  });
  log(`--replace: emptied ${plans.length} tables of the target.`);
}

async function copyTable(src: AnyDb, dst: AnyDb, plan: TablePlan, batchRows: number, log: (line: string) => void): Promise<number> {
  const pageSize = Math.max(1, Math.min(batchRows, Math.floor(30_000 / plan.columns.length)));
  const toPostgres = isPostgres(dst);
  const started = performance.now();
  let lastLog = started;
  let done = 0;
  const rounded = new Map<string, number>();
  const copyPages = async (trx: AnyDb) => {
    let after: unknown[] | null = null;
    for (;;) {
      const page = await readPage(src, plan, after, pageSize);
      if (page.length === 0) break;
      const rows = page.map((r) => adapt(r, plan, toPostgres, rounded));
      if (plan.appendOnly) await refuseOwnEntries(trx, plan, rows);
      await upsertRows(trx, plan.name, plan.columns, plan.primaryKey, rows);
      done += page.length;
      const last = page[page.length - 1]!;
      after = plan.primaryKey.map((c) => last[c]);
      if (performance.now() - lastLog > 2000) {
        lastLog = performance.now();
        log(`  ${plan.name}: ${done.toLocaleString("en-US")} rows…`);
      }
      if (page.length < pageSize) break;
    }
  };
  try {
    await dst.transaction().execute(copyPages);
  } catch (e) {
    throw new Error(copyFailure(plan.name, e), { cause: e });
  }
  const ms = performance.now() - started;
  log(`  ${plan.name}: ${done.toLocaleString("en-US")} rows (${(ms / 1000).toFixed(1)} s)`);
  for (const [column, n] of rounded) {
    log(`  ${plan.name}.${column}: ${n.toLocaleString("en-US")} value(s) with a fraction in an integer column (SQLite keeps them), rounded to whole numbers`);
  }
  return done;
}

/**
 * An append-only table's rows under ids the target already holds must be the same entries (a re-run): one
 * with other content is the target's own (say the audit entry of an admin its first start made), which an
 * upsert would silently replace.
 */
async function refuseOwnEntries(trx: AnyDb, plan: TablePlan, rows: Record<string, unknown>[]): Promise<void> {
  const [id] = plan.primaryKey;
  if (plan.primaryKey.length !== 1 || id === undefined) return;
  const held = await trx.selectFrom(plan.name).selectAll().where(id, "in", rows.map((r) => r[id] as never)).execute();
  const text = (v: unknown) => (v === null || v === undefined ? "" : v instanceof Date ? v.toISOString() : String(v));
  const theirs = new Map(held.map((r: Record<string, unknown>) => [text(r[id]), r]));
  const own = rows.find((r) => {
    const t = theirs.get(text(r[id]));
    return t !== undefined && plan.columns.some((c) => text(t[c]) !== text(r[c]));
  });
  if (own) throw new Error(`the target holds an entry of its own under ${id} ${text(own[id])}, which the source uses for another`);
}

/**
 * What a failed table copy says: the table, and for a clash on a unique key other than the primary key (the
 * target's own rows: the same email under another id, say) what to do about it.
 */
function copyFailure(table: string, e: unknown): string {
  const err = e as { code?: string; message?: string };
  const unique = err.code === "23505" || err.code === "SQLITE_CONSTRAINT_UNIQUE" || /holds an entry of its own/.test(err.message ?? "");
  const what = `table ${table}: ${err.message ?? String(e)}`;
  if (!unique) return what;
  return `${what}. The target holds rows of its own that clash with the source's on a unique key (the tables before ${table} were copied); run again with --replace to empty the target first`;
}

/** The next page after key `after`, in primary-key order (a row-value comparison both engines read). */
async function readPage(src: AnyDb, plan: TablePlan, after: unknown[] | null, limit: number): Promise<Record<string, unknown>[]> {
  const key = sql.join(plan.primaryKey.map((c) => sql.ref(c)));
  const where: RawBuilder<unknown> = after ? sql`where (${key}) > (${sql.join(after)})` : sql``;
  const cols = sql.join(plan.columns.map((c) => sql.ref(c)));
  const res = await sql<Record<string, unknown>>`select ${cols} from ${sql.table(plan.name)} ${where} order by ${key} limit ${limit}`.execute(src);
  return res.rows;
}

/**
 * A row as the target engine stores it. SQLite keeps a fraction in an integer column (a time in ms with
 * decimals); PostgreSQL refuses one, so it is rounded (half away from zero, as SQLite's round(), which the
 * verification's sums use) and counted. PostgreSQL answers booleans and timestamps as JS values SQLite cannot
 * bind: 1/0 and ISO text (what better-auth writes on SQLite). PostgreSQL reads SQLite's 1/0 and ISO text for
 * its boolean and timestamptz columns as they are.
 */
function adapt(row: Record<string, unknown>, plan: TablePlan, toPostgres: boolean, rounded: Map<string, number>): Record<string, unknown> {
  if (toPostgres) {
    for (const c of plan.integers) {
      const v = row[c];
      if (typeof v === "number" && !Number.isInteger(v)) {
        row[c] = Math.sign(v) * Math.round(Math.abs(v));
        rounded.set(c, (rounded.get(c) ?? 0) + 1);
      }
    }
    return row;
  }
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === "boolean") row[k] = v ? 1 : 0;
    else if (v instanceof Date) row[k] = v.toISOString();
  }
  return row;
}
