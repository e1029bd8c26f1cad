import { existsSync, statSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { sql } from "kysely";
import { connect, type Db, hidePassword, isPostgresUrl, listTables, migrate, migrationProvider } from "@tally/shared/db";

/** One side of a copy: the database, opened, and how to name it in messages (a URL's password hidden). */
export interface Endpoint {
  db: Db;
  label: string;
}

/** A problem the user can fix (bad URL, missing file, server down, schema versions apart): printed alone, exit 2. */
export class CopyError extends Error {}

/** `--from`: an existing database at exactly the code's migrations (`migrateSource`: bring it there first). */
export async function openSource(raw: string, opts: { migrateSource?: boolean; cwd?: string } = {}): Promise<Endpoint> {
  const { url, label } = locate("--from", raw, opts.cwd);
  if (!isPostgresUrl(url) && !existsSync(url)) throw new CopyError(`--from ${label}: no such file (give the SQLite database file, e.g. ./data/tally.db, or a postgres:// URL)`);
  if (!isPostgresUrl(url) && !statSync(url).isFile()) throw new CopyError(`--from ${label}: not a file`);
  const db = await reach("--from", url, label);
  try {
    const { applied, known } = await migrationState(db);
    if (applied === null) throw new CopyError(`--from ${label}: not a Tally database (it has no kysely_migration table)`);
    const unknown = applied.filter((n) => !known.includes(n));
    if (unknown.length) throw new CopyError(`--from ${label}: migrated by a newer Tally (${unknown.join(", ")}); copy with that version`);
    const pending = known.filter((n) => !applied.includes(n));
    if (pending.length && !opts.migrateSource) {
      throw new CopyError(
        `--from ${label}: ${pending.length} migration(s) behind this Tally (${pending.join(", ")}). Start this Tally once on it, or pass --migrate-source to migrate it now.`,
      );
    }
    if (pending.length) await migrate(db);
    return { db, label };
  } catch (e) {
    await db.destroy();
    throw e;
  }
}

/** `--to`: created if it is a new SQLite file, then migrated to the code's version (refused if a newer Tally migrated it). */
export async function openTarget(raw: string, opts: { cwd?: string } = {}): Promise<Endpoint> {
  const { url, label } = locate("--to", raw, opts.cwd);
  const db = await reach("--to", url, label);
  try {
    const { applied, known } = await migrationState(db);
    const unknown = (applied ?? []).filter((n) => !known.includes(n));
    if (unknown.length) throw new CopyError(`--to ${label}: migrated by a newer Tally (${unknown.join(", ")}); copy with that version`);
    await migrate(db);
    return { db, label };
  } catch (e) {
    await db.destroy();
    throw e;
  }
}

function locate(flag: string, raw: string, cwd = process.env.INIT_CWD ?? process.cwd()): { url: string; label: string } {
  const value = raw.trim();
  if (!value) throw new CopyError(`${flag}: give a SQLite file path or a postgres:// URL`);
  if (/^postgres(ql)?:/i.test(value)) {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new CopyError(`${flag}: "${hidePassword(value)}" is not a valid URL (postgres://user:password@host:5432/database)`);
    }
    if (!parsed.hostname && !parsed.searchParams.get("host")) throw new CopyError(`${flag}: "${hidePassword(value)}" names no host (postgres://user:password@host:5432/database)`);
    if (parsed.pathname.length <= 1) throw new CopyError(`${flag}: "${hidePassword(value)}" names no database (…/database at the end)`);
    return { url: value, label: hidePassword(value) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) throw new CopyError(`${flag}: "${value}" is neither a postgres:// URL nor a file path`);
  // `postgresql//host/db` (a colon missing) would otherwise be copied into a SQLite file of that path.
  if (/^postgres/i.test(value)) throw new CopyError(`${flag}: "${hidePassword(value)}" looks like a PostgreSQL URL but is not one (postgres://user:password@host:5432/database)`);
  const file = value.replace(/^(sqlite|file):(\/\/)?/, "");
  if (file === ":memory:") throw new CopyError(`${flag}: an in-memory database cannot be copied ${flag === "--to" ? "to" : "from"}; give a file`);
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  return { url: path, label: file };
}

/**
 * Opens without migrating (connect() has a PostgreSQL server answer one query first, within its 10 s), and
 * reads once (a SQLite file that is no database fails here), naming what went wrong when it does not.
 */
async function reach(flag: string, url: string, label: string): Promise<Db> {
  let db: Db | null = null;
  try {
    db = await connect({ url, migrate: false, poolSize: 2 });
    await sql`select 1`.execute(db);
    return db;
  } catch (e) {
    await db?.destroy().catch(() => {});
    throw new CopyError(`${flag} ${label}: ${describeFailure(e)}`);
  }
}

function describeFailure(e: unknown): string {
  // connect() may wrap the driver's error (its own reachability check): the code is on the cause.
  const outer = e as { message?: string; cause?: unknown };
  const err = (outer.cause ?? e) as { code?: string; message?: string; address?: string; port?: number; hostname?: string };
  switch (err.code) {
    case "ECONNREFUSED":
      return `cannot reach the PostgreSQL server${err.address ? ` at ${err.address}:${err.port}` : ""} (connection refused): is it running, on that host and port?`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `host ${err.hostname ?? ""} not found`;
    case "ETIMEDOUT":
      return "the PostgreSQL server did not answer (connection timed out)";
    case "3D000":
      return `${err.message} (create it first: createdb, or CREATE DATABASE)`;
    case "28P01":
    case "28000":
      return `${err.message} (check the user and password in the URL)`;
    case "SQLITE_NOTADB":
      return "not a SQLite database";
    default:
      return outer.message || err.message || String(e);
  }
}

async function migrationState(db: Db): Promise<{ applied: string[] | null; known: string[] }> {
  const known = Object.keys(await migrationProvider.getMigrations()).sort();
  if ((await listTables(db, "kysely!_migration")).length === 0) return { applied: null, known };
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return { applied: rows.rows.map((r) => r.name), known };
}
