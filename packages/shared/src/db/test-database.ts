import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { connect, type Db } from "./connect.ts";
import type { Engine } from "./dialect.ts";
import { migrationProvider } from "./migrations/index.ts";

/**
 * The test suite's databases. `npm test` runs every package's tests twice: on SQLite, then with
 * TALLY_TEST_ENGINE=postgres on a real PostgreSQL server (TALLY_TEST_POSTGRES_URL, the admin URL of a
 * server scripts/postgres-server.mjs started). A test asks here for a database and gets a SQLite file of
 * its own, or a fresh PostgreSQL database of its own: a copy of one migrated template (CREATE DATABASE …
 * TEMPLATE), so a test pays no migration time on either engine.
 */
export function testEngine(): Engine {
  return process.env.TALLY_TEST_ENGINE === "postgres" ? "postgres" : "sqlite";
}

export interface TestDatabaseOptions {
  /** SQLite: the file (default a new file in a new temp dir; `:memory:` allowed). PostgreSQL: ignored. */
  file?: string;
  /** false: an empty database, no migration run (a migration test brings its own schema). Default true. */
  migrated?: boolean;
}

/** A database URL for one test: a SQLite file path, or a new PostgreSQL database's URL. */
export async function testDatabaseUrl(options: TestDatabaseOptions = {}): Promise<string> {
  if (testEngine() === "sqlite") return options.file ?? join(mkdtempSync(join(tmpdir(), "tally-test-")), "tally.db");
  const admin = adminUrl();
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const template = options.migrated === false ? "template0" : await migratedTemplate(admin);
  await adminQuery(admin, `create database "${name}" template "${template}"`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

function adminUrl(): string {
  const url = process.env.TALLY_TEST_POSTGRES_URL;
  if (!url) throw new Error("TALLY_TEST_ENGINE=postgres needs TALLY_TEST_POSTGRES_URL (npm test starts a server and sets both)");
  return url;
}

async function adminQuery(admin: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

let template: Promise<string> | null = null;

/** The migrated template for this set of migrations, made once per server (under an advisory lock: test workers race). */
function migratedTemplate(admin: string): Promise<string> {
  template ??= (async () => {
    const names = Object.keys(await migrationProvider.getMigrations()).join(",");
    const name = `tally_template_${createHash("sha256").update(names).digest("hex").slice(0, 12)}`;
    const pool = new pg.Pool({ connectionString: admin, max: 1 });
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    try {
      await db.connection().execute(async (conn) => {
        await sql`select pg_advisory_lock(7301099)`.execute(conn);
        try {
          const found = await sql`select 1 from pg_database where datname = ${name}`.execute(conn);
          if (found.rows.length) return;
          const building = `${name}_building`;
          await sql.raw(`drop database if exists "${building}"`).execute(conn);
          await sql.raw(`create database "${building}" template template0`).execute(conn);
          const url = new URL(admin);
          url.pathname = `/${building}`;
          const built = await connect({ url: url.toString() });
          await built.destroy();
          await sql.raw(`alter database "${building}" rename to "${name}"`).execute(conn);
        } finally {
          await sql`select pg_advisory_unlock(7301099)`.execute(conn);
        }
      });
    } finally {
      await db.destroy();
    }
    return name;
  })();
  return template;
}

/** `connect()` to a new test database (see testDatabaseUrl). */
export async function connectTestDatabase(options: TestDatabaseOptions = {}): Promise<Db> {
  return connect({ url: await testDatabaseUrl(options), migrate: options.migrated !== false });
}
