import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, SqliteDialect, type SqliteDatabase } from "kysely";
import type { Database } from "./schema.ts";
import { migrationProvider } from "./migrations/index.ts";

export interface ConnectOptions {
  /** `sqlite:./data/tally.db`, a bare file path, or `:memory:`. Default `./data/tally.db`. */
  url?: string;
  /** Run pending migrations before returning (default true). */
  migrate?: boolean;
}

export type Db = Kysely<Database>;

/** Opens the embedded SQLite database (WAL, busy timeout) and brings its schema up to date. */
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
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  if (options.migrate !== false) await migrate(db);
  return db;
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
