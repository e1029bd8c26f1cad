import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  Migrator,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type TransactionSettings,
} from "kysely";
import type { Database } from "./schema.ts";
import { migrationProvider } from "./migrations/index.ts";

export interface ConnectOptions {
  /** `sqlite:./data/tally.db`, a bare file path, or `:memory:`. Default `./data/tally.db`. */
  url?: string;
  /** Run pending migrations before returning (default true). */
  migrate?: boolean;
}

export type Db = Kysely<Database>;

/**
 * Opens the embedded SQLite database (WAL, busy timeout, write transactions that wait for the write lock)
 * and brings its schema up to date.
 */
export async function connect(options: ConnectOptions = {}): Promise<Db> {
  const url = options.url ?? "./data/tally.db";
  if (/^postgres(ql)?:/.test(url)) {
    throw new Error("DATABASE_URL: PostgreSQL support is not built yet; use a SQLite file path");
  }
  const file = url.replace(/^(sqlite|file):(\/\/)?/, "");
  if (file !== ":memory:") mkdirSync(dirname(resolve(file)), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  // bigint columns hold epoch ms and micro-USD: both well inside 2^53, so plain numbers are exact.
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
  if (options.migrate !== false) await migrate(db);
  return db;
}

/**
 * `db.transaction()` begins with BEGIN IMMEDIATE: it takes the write lock up front, so a writer in another
 * process (two servers on one file, the demo seed, a bench) makes it wait, up to the busy timeout. Kysely's
 * plain (deferred) BEGIN reads under a snapshot and asks for the lock at its first write; if another process
 * wrote in between, SQLite cannot let it wait (its snapshot is stale) and answers `database is locked` at
 * once, busy timeout or not. Reads outside a transaction never take the lock; a transaction marked
 * `.setAccessMode("read only")` begins deferred, so it does not wait for (or hold up) writers either.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
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

export async function migrate(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    const name = failed ? ` (${failed.migrationName})` : "";
    throw new Error(`database migration failed${name}: ${String(error)}`, { cause: error });
  }
}
