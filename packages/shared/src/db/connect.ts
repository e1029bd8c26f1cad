import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import pg from "pg";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  Migrator,
  PostgresDialect,
  PostgresDriver,
  type SqliteDatabase,
  sql,
  SqliteDialect,
  SqliteDriver,
  type TransactionSettings,
} from "kysely";
import { JOB_LOCKS, packRowsAggregate, SQLITE_PACK_ROWS } from "./dialect.ts";
import type { Database } from "./schema.ts";
import { migrationProvider } from "./migrations/index.ts";
import { StatementCachingClient } from "./pg-statements.ts";

export interface ConnectOptions {
  /** `postgres://…` (PostgreSQL), or `sqlite:./data/tally.db`, a bare file path, or `:memory:`. Default `./data/tally.db`. */
  url?: string;
  /** PostgreSQL: connections in the pool (default 10). */
  poolSize?: number;
  /** Run pending migrations before returning (default true). */
  migrate?: boolean;
  /** Told the pending migrations' names before they run, when the database already holds earlier ones (an upgrade, which may take a while on a large database). */
  onUpgrade?: (pending: string[]) => void;
}

export type Db = Kysely<Database>;

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

/** A URL as it may be shown: the password (`scheme://user:password@…`, up to the host's `@` even when it holds an unencoded `@`) as `***`. */
export const hidePassword = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^/]*@/i, "$1***@");

/**
 * Opens the database and brings its schema up to date: PostgreSQL for a `postgres://` URL, else the
 * embedded SQLite file (WAL, busy timeout). On both, write transactions take one write lock up front.
 */
export async function connect(options: ConnectOptions = {}): Promise<Db> {
  const url = options.url ?? "./data/tally.db";
  const db = isPostgresUrl(url) ? openPostgres(url, options.poolSize ?? 10) : openSqlite(url);
  if (isPostgresUrl(url)) await reachPostgres(db, url);
  if (options.migrate !== false) await migrate(db, options.onUpgrade);
  return db;
}

/** host:port/database as user, from a postgres:// URL: never its password. */
function serverOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || "localhost"}:${u.port || 5432}${u.pathname}${u.username ? ` as ${decodeURIComponent(u.username)}` : ""}`;
  } catch {
    return "the configured server";
  }
}

/** How long start-up waits for a PostgreSQL server's first answer (pg itself waits as long as TCP does). */
const FIRST_ANSWER_MS = 10_000;

/**
 * One query before anything else, so an unreachable server, a wrong password or a missing database stops
 * start-up at once with one line naming the server (never the password), instead of a migration error or,
 * for a server that never answers, a wait of minutes.
 */
async function reachPostgres(db: Db, url: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const silence = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${FIRST_ANSWER_MS / 1000} s`)), FIRST_ANSWER_MS);
  });
  try {
    await Promise.race([sql`select 1`.execute(db), silence]);
  } catch (e) {
    void db.destroy().catch(() => {});
    // Node reports a refused connection to a name with several addresses (localhost) as an AggregateError without a message.
    const err = e as { message?: string; code?: string };
    throw new Error(`cannot reach PostgreSQL at ${serverOf(url)}: ${err.message || err.code || String(e)}`, { cause: e });
  } finally {
    clearTimeout(timer);
  }
}

function openSqlite(url: string): Db {
  const file = url.replace(/^(sqlite|file):(\/\/)?/, "");
  let sqlite: SQLite.Database;
  try {
    // The file's own directory is created (./data on a first start), never a chain of them: a typo in a
    // parent directory is an error, not a new database somewhere unexpected.
    if (file !== ":memory:") {
      const dir = dirname(resolve(file));
      if (!existsSync(dirname(dir))) throw new Error(`its directory ${dir} cannot be created: ${dirname(dir)} does not exist`);
      if (!existsSync(dir)) mkdirSync(dir);
    }
    sqlite = new SQLite(file);
    sqlite.pragma("journal_mode = WAL"); // the first read: a file that is not a database fails here
  } catch (e) {
    // "unable to open database file" or "file is not a database" alone do not say which file.
    throw new Error(`cannot open the SQLite database ${file === ":memory:" ? file : resolve(file)} (DATABASE_URL): ${(e as Error).message}`, { cause: e });
  }
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.aggregate(SQLITE_PACK_ROWS, packRowsAggregate);
  // bigint columns hold epoch ms and micro-USD: both well inside 2^53, so plain numbers are exact.
  return new Kysely<Database>({ dialect: withDriver(SqliteDialect, ImmediateSqliteDriver, { database: withStatementCache(sqlite) }) });
}

/** bigint (int8) and numeric (sums, averages) as JS numbers: epoch ms and micro-USD stay well inside 2^53. */
const NUMERIC_TYPES = new Set([20, 1700]);
const pgTypes = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    NUMERIC_TYPES.has(oid) ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Settings of every PostgreSQL session, sent at connection start-up (no extra round trip); a DATABASE_URL's
 * own `options` (or else PGOPTIONS) come after them and win. Measured on the analytics bench database at
 * 100,000 runs (EXPLAIN ANALYZE, 2026-12-04, 2 cores shared with other work):
 * - `jit=off`: the dashboard's reads are short, but the planner overestimates some: an edge read (a JSON list
 *   of ranges joined to a rollup table) is costed at 120,000–640,000, past `jit_above_cost` (100,000) and, at
 *   500,000, inlining and optimization. JIT compiled for 38–931 ms before statements that run in 1.4–201 ms
 *   without it (spend.timeseries split by function, America/New_York, 30 days: 1,076 ms → 201 ms), and,
 *   forced on the other reads, added 16–227 ms each, against the 50 ms target.
 * - `max_parallel_workers_per_gather=0`: a rollup read is a few thousand rows; starting two parallel workers
 *   cost more than they saved (spend by tag over 30 days: 52 ms with two workers, 12 ms without).
 */
const SESSION_OPTIONS = "-c jit=off -c max_parallel_workers_per_gather=0";

/** `url` with SESSION_OPTIONS before any `options` it (or else PGOPTIONS) gives: pg lets the URL's `options` replace the config's. */
function withSessionOptions(url: string): string {
  const u = new URL(url);
  u.searchParams.set("options", `${SESSION_OPTIONS} ${u.searchParams.get("options") ?? process.env.PGOPTIONS ?? ""}`.trim());
  return u.toString();
}

function openPostgres(url: string, max: number): Db {
  const pool = new pg.Pool({ connectionString: withSessionOptions(url), max, types: pgTypes, Client: StatementCachingClient, maxLifetimeSeconds: 1800 });
  // Each connection names the reads it sends (pg-statements.ts), at most 200: replaced after 30 minutes, a
  // connection names the reads sent then.
  // A connection's error (the server restarted or failed over, the session was terminated, a network drop) must
  // not crash the process. pg-pool listens on idle clients only ("error" on the pool); a client checked out
  // for a statement, a transaction or a job's lock emits it with no listener, which Node turns into a crash.
  // The statement in flight fails (its step retries); the pool replaces the client.
  pool.on("error", (e) => console.error("PostgreSQL pool:", e.message));
  pool.on("connect", (client) => client.on("error", (e) => console.error("PostgreSQL connection:", e.message)));
  return new Kysely<Database>({ dialect: withDriver(PostgresDialect, WriterLockPostgresDriver, { pool }) });
}

/**
 * PostgreSQL twin of BEGIN IMMEDIATE: a write transaction first takes one transaction-scoped advisory lock,
 * so writers take turns exactly as on SQLite, across every API instance on the database. The recording
 * layer's exactly-once proof (dedupe row, then rollup bumps, in one transaction that no other writer
 * interleaves with) thus holds unchanged. Read committed whatever the server's default: each statement after
 * the lock sees every write committed before it (under repeatable read the snapshot would predate the lock,
 * and a job re-reading its cursor would fail to serialize). A read-only transaction reads one snapshot (repeatable read) and
 * never waits for writers.
 */
class WriterLockPostgresDriver extends PostgresDriver {
  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    if (settings?.accessMode === "read only") {
      await connection.executeQuery(CompiledQuery.raw("start transaction isolation level repeatable read, read only"));
      return;
    }
    await connection.executeQuery(CompiledQuery.raw("begin isolation level read committed"));
    await connection.executeQuery(CompiledQuery.raw(`select pg_advisory_xact_lock(${JOB_LOCKS.writer})`));
  }
}

/**
 * `db.transaction()` begins with BEGIN IMMEDIATE: it takes the write lock up front, so a writer in another
 * process (two servers on one file, the demo seed, a bench) makes it wait, up to the busy timeout. Kysely's
 * plain (deferred) BEGIN reads under a snapshot and asks for the lock at its first write; if another process
 * wrote in between, SQLite cannot let it wait (its snapshot is stale) and answers `database is locked` at
 * once, busy timeout or not. Reads outside a transaction never take the lock; a transaction marked
 * `.setAccessMode("read only")` begins deferred, so it does not wait for (or hold up) writers either.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  /**
   * better-sqlite3 runs each statement synchronously, and a statement's promise resolves as a microtask: the
   * reads of a batch of tRPC calls (20 lists of 500 runs: ~2 s) ran back to back without another request, a
   * health check included, getting a turn. Each statement outside a transaction, and each transaction, first
   * waits for the event loop's next turn (a transaction holds its connection and runs through).
   */
  override async acquireConnection(): Promise<DatabaseConnection> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return super.acquireConnection();
  }

  override async beginTransaction(connection: DatabaseConnection, settings?: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(settings?.accessMode === "read only" ? "begin deferred" : "begin immediate"));
  }
}

/**
 * Kysely prepares every query afresh; preparing costs more than running a small write. Reuse prepared
 * statements by SQL text (bounded), and prepare a fresh one when the cached one is mid-iteration.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      const hit = cache.get(sql);
      if (hit && !hit.busy) return hit;
      const stmt = sqlite.prepare(sql);
      if (!hit) {
        if (cache.size >= 500) cache.clear();
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

export async function migrate(db: Db, onUpgrade?: (pending: string[]) => void): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  if (onUpgrade) {
    const all = await migrator.getMigrations();
    const pending = all.filter((m) => m.executedAt === undefined).map((m) => m.name);
    if (pending.length > 0 && pending.length < all.length) onUpgrade(pending);
  }
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    const name = failed ? ` (${failed.migrationName})` : "";
    throw new Error(`database migration failed${name}: ${String(error)}`, { cause: error });
  }
}

/** Kysely's `Base` dialect with its driver replaced by `Driver` (a driver that begins transactions its own way). */
function withDriver<C>(Base: new (config: C) => Dialect, Driver: new (config: C) => Driver, config: C): Dialect {
  return new (class extends Base {
    override createDriver(): Driver {
      return new Driver(config);
    }
  })(config);
}
