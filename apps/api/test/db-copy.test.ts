import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Migrator, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, migrationProvider } from "@tally/shared/db";
import { testDatabaseUrl, testEngine } from "@tally/shared/db/testing";
import { copyDatabase, type CopyReport } from "../src/db-copy/copy.ts";
import { CopyError, openSource, openTarget } from "../src/db-copy/open.ts";
import { seedDemo } from "../src/demo/seed.ts";
import { data, signIn } from "./access-client.ts";
import { AUTH, PARENT, startTally, type Tally } from "./harness.ts";

// Issue 21, npm run db:copy. The source is always a SQLite file (what a user moves from) holding recorded
// data: the demo seed's history with reviews, deliveries through the real serve() handler, an admin with a
// password, a local calendar (an id PostgreSQL numbers). The target is the suite's engine: in the PostgreSQL
// pass this is SQLite → PostgreSQL and PostgreSQL → SQLite; in the SQLite pass SQLite → SQLite, the same code.
// The answers checked are the API's on a server started on each database, so "copied" means "reads the same".
const ADMIN = { TALLY_INIT_ADMIN_EMAIL: "owner@copy.test", TALLY_INIT_ADMIN_PASSWORD: "move-the-books-1234" };
const NOW = Date.now();
const WINDOW = { from: NOW - 100 * 86_400_000, to: NOW + 3_600_000, timeZone: "UTC" };
const dir = mkdtempSync(join(tmpdir(), "tally-db-copy-"));
const sourceFile = join(dir, "source.db");
const quiet = { log: () => {} };

/** The real app on `url` (a SQLite file even in the PostgreSQL pass), left in place on close. */
const startOn = (url: string): Promise<Tally> =>
  startTally({ TALLY_TIME_ZONES: "Europe/Paris", ...ADMIN }, {}, url);

/** What a user reads: totals, spend by model and by customer, the quality trend. */
async function answers(url: string) {
  const tally = await startOn(url);
  try {
    const ask = (path: string, extra: object = {}) => data(tally, path, "query", { ...WINDOW, ...extra }, AUTH);
    return {
      summary: await ask("overview.summary"),
      byModel: await ask("spend.byModel"),
      byCustomer: await ask("spend.byCustomer", { limit: 100 }),
      trend: await ask("quality.trend", { bucket: "day" }),
      trendParis: await ask("quality.trend", { bucket: "day", timeZone: "Europe/Paris" }),
    };
  } finally {
    await tally.close();
  }
}

async function copy(from: string, to: string, opts: { replace?: boolean; batchRows?: number } = {}): Promise<CopyReport> {
  const source = await openSource(from);
  const target = await openTarget(to).catch(async (e) => {
    await source.db.destroy();
    throw e;
  });
  try {
    return await copyDatabase(source, target, { ...quiet, ...opts });
  } finally {
    await source.db.destroy();
    await target.db.destroy();
  }
}

async function readAudit(url: string): Promise<{ id: number; target: string }[]> {
  const db = await connect({ url, migrate: false });
  try {
    return (await sql<{ id: number; target: string }>`select id, target from audit_log order by id`.execute(db)).rows.map((r) => ({ id: Number(r.id), target: r.target }));
  } finally {
    await db.destroy();
  }
}

async function count(url: string, table: string): Promise<number> {
  const db = await connect({ url, migrate: false });
  try {
    return Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n);
  } finally {
    await db.destroy();
  }
}

let sourceAnswers: Awaited<ReturnType<typeof answers>>;
let halfCustomer: { id: string; updated_at: number };

beforeAll(async () => {
  const tally = await startOn(sourceFile);
  try {
    await seedDemo(tally.db, { now: NOW, runsPerDay: 3 });
    for (let i = 0; i < 3; i++) {
      const input = { customerId: "copy-co", model: "gpt-4o", provider: "openai", usage: { prompt_tokens: 1000 + i, completion_tokens: 200 } };
      const out = await tally.executor.runDeferred({ fnSlug: "tally-track-ai-costs", input }, { ...PARENT, runId: `copy-parent-${i}` }, { runId: `copy-cost-${i}`, ts: NOW - i * 60_000 });
      expect(out.status, JSON.stringify(out.error)).toBe("completed");
    }
    await tally.calendars.idle();
    // A SQLite file may hold a fraction in an integer column (older demo seeds wrote review times so).
    const c = await tally.db.selectFrom("customers").select(["id", "updated_at"]).orderBy("id").executeTakeFirstOrThrow();
    await sql`update customers set updated_at = updated_at + 0.5 where id = ${c.id}`.execute(tally.db);
    halfCustomer = c;
  } finally {
    await tally.close();
  }
  sourceAnswers = await answers(sourceFile);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(`db:copy from SQLite to ${testEngine() === "postgres" ? "PostgreSQL and back" : "SQLite (PostgreSQL in the PostgreSQL pass)"}`, () => {
  let targetUrl: string;

  it("copies every table, verifies counts and sums, and the API answers the same on the copy", async () => {
    targetUrl = await testDatabaseUrl();
    const report = await copy(sourceFile, targetUrl, { batchRows: 200 });
    expect(report.tables.filter((t) => t.differences.length)).toEqual([]);
    expect(report.verified).toBe(true);
    // Every data table is there, the migration bookkeeping is not (each side keeps its own).
    const names = report.tables.map((t) => t.table);
    for (const t of ["runs", "usage_costs", "scores", "evaluations", "reviews", "review_items", "auth_user", "auth_account", "api_keys", "audit_log", "rollup_calendars", "rollup_usage_15m"]) expect(names).toContain(t);
    expect(names.filter((n) => n.startsWith("kysely_"))).toEqual([]);
    // Parents before children (foreign keys): runs before usage_costs, auth_user before auth_session.
    expect(names.indexOf("runs")).toBeLessThan(names.indexOf("usage_costs"));
    expect(names.indexOf("auth_user")).toBeLessThan(names.indexOf("auth_session"));
    for (const t of ["runs", "usage_costs", "reviews", "rollup_calendars"]) {
      expect(await count(targetUrl, t), t).toBe(await count(sourceFile, t));
      expect(await count(targetUrl, t), t).toBeGreaterThan(0);
    }
    // The fraction: PostgreSQL's bigint takes it rounded half away from zero; SQLite keeps it.
    const db = await connect({ url: targetUrl, migrate: false });
    const row = await db.selectFrom("customers").select("updated_at").where("id", "=", halfCustomer.id).executeTakeFirstOrThrow();
    await db.destroy();
    expect(row.updated_at).toBe(halfCustomer.updated_at + (testEngine() === "postgres" ? 1 : 0.5));
    expect(await answers(targetUrl)).toEqual(sourceAnswers);
  }, 180_000);

  it("the copy is a working database: the admin signs in with the same password, and new ids follow the copied ones", async () => {
    const tally = await startOn(targetUrl);
    try {
      const signedIn = await signIn(tally, ADMIN.TALLY_INIT_ADMIN_EMAIL, ADMIN.TALLY_INIT_ADMIN_PASSWORD);
      expect(signedIn.status).toBe(200);
      const maxAudit = Number((await tally.db.selectFrom("audit_log").select((eb) => eb.fn.max("id").as("m")).executeTakeFirstOrThrow()).m);
      expect(maxAudit).toBeGreaterThan(0);
      // The database numbers the next audit entry (PostgreSQL: an identity column, whose sequence the copy moved on).
      const added = await tally.db
        .insertInto("audit_log")
        .values({ at: NOW, actor_type: "system", actor_id: "copy-test", actor_label: "copy test", action: "copy.check", target: "-", before: null, after: null })
        .returning("id")
        .executeTakeFirstOrThrow();
      expect(added.id).toBe(maxAudit + 1);
    } finally {
      await tally.close();
    }
  }, 60_000);

  it("a re-run on the same target neither duplicates nor fails; rows of the target's own differ until --replace", async () => {
    const again = await copy(sourceFile, targetUrl);
    // The previous test's rows are the target's own: its audit entry, the admin's session, the sign-in's counter row.
    const differing = again.tables.filter((t) => t.differences.length);
    expect(differing.map((t) => [t.table, t.targetRows - t.sourceRows])).toEqual([
      ["audit_log", 1],
      ["auth_session", 1],
      ["sign_in_failures", 1],
    ]);
    expect(await count(targetUrl, "runs")).toBe(await count(sourceFile, "runs"));
    const replaced = await copy(sourceFile, targetUrl, { replace: true });
    expect(replaced.verified).toBe(true);
    expect(await answers(targetUrl)).toEqual(sourceAnswers);
  }, 180_000);

  it("into a target that made its own admin (same email, another id): names the table that clashes and --replace, which then copies", async () => {
    const clash = await testDatabaseUrl();
    await (await startOn(clash)).close(); // its first start created the TALLY_INIT_ADMIN_EMAIL account
    await expect(copy(sourceFile, clash)).rejects.toThrow(/^table (auth_user|api_keys): .*unique.*--replace to empty the target first$/is);
    const replaced = await copy(sourceFile, clash, { replace: true });
    expect(replaced.verified).toBe(true);
  }, 180_000);

  it("into a target whose first start wrote its own audit entry (another admin): refuses to overwrite it, naming audit_log and --replace", async () => {
    const own = await testDatabaseUrl();
    await (await startTally({ TALLY_INIT_ADMIN_EMAIL: "ops@target.test", TALLY_INIT_ADMIN_PASSWORD: "another-admin-pass-1", TALLY_INIT_API_KEY: "" }, {}, own)).close();
    const before = await readAudit(own);
    expect(before.map((r) => r.target)).toContain("user:ops@target.test");
    await expect(copy(sourceFile, own)).rejects.toThrow(/^table audit_log: the target holds an entry of its own under id \d+, which the source uses for another.*--replace/s);
    // Nothing of that table was written: the target's entry is as it was.
    expect(await readAudit(own)).toEqual(before);
    expect((await copy(sourceFile, own, { replace: true })).verified).toBe(true);
  }, 180_000);

  it("and back: the copy copied into a new SQLite file answers the same", async () => {
    const back = join(dir, "back.db");
    const report = await copy(targetUrl, back);
    expect(report.verified).toBe(true);
    expect(await answers(back)).toEqual(sourceAnswers);
  }, 180_000);
});

describe("db:copy refuses what it cannot copy, naming it", () => {
  const refusal = (p: Promise<unknown>) => p.then(() => "opened", (e) => (e instanceof CopyError ? e.message : `not a CopyError: ${e}`));

  it("a missing source file, a bad URL, a server that does not answer, a database that is not Tally's", async () => {
    expect(await refusal(openSource(join(dir, "nope.db")))).toMatch(/^--from .*nope\.db: no such file/);
    expect(await refusal(openTarget("postgres://user:secret@/tally"))).toMatch(/^--to: "postgres:\/\/user:\*\*\*@\/tally" is not a valid URL/);
    expect(await refusal(openTarget("postgres:///tally"))).toMatch(/names no host/);
    expect(await refusal(openTarget("postgres://user:secret@127.0.0.1:1/tally"))).toMatch(/^--to postgres:\/\/user:\*\*\*@127\.0\.0\.1:1\/tally: cannot reach the PostgreSQL server .*connection refused/);
    expect(await refusal(openTarget("postgres://127.0.0.1:5432"))).toMatch(/names no database/);
    expect(await refusal(openTarget("mysql://127.0.0.1/tally"))).toMatch(/neither a postgres:\/\/ URL nor a file path/);
    // A colon missing: refused, not copied into a SQLite file at ./postgresql/127.0.0.1/tally.
    expect(await refusal(openTarget("postgresql//127.0.0.1/tally", { cwd: dir }))).toMatch(/looks like a PostgreSQL URL but is not one/);
    expect(existsSync(join(dir, "postgresql"))).toBe(false);
    const empty = join(dir, "empty.db");
    await (await connect({ url: empty, migrate: false })).destroy();
    expect(await refusal(openSource(empty))).toMatch(/not a Tally database/);
  });

  it("a source behind this Tally's migrations, unless --migrate-source", async () => {
    const old = join(dir, "old.db");
    const db = await connect({ url: old, migrate: false });
    const names = Object.keys(await migrationProvider.getMigrations());
    await new Migrator({ db, provider: migrationProvider }).migrateTo(names[names.length - 2]!);
    await db.destroy();
    expect(await refusal(openSource(old))).toMatch(new RegExp(`1 migration\\(s\\) behind this Tally \\(${names[names.length - 1]}\\).*--migrate-source`));
    const migrated = await openSource(old, { migrateSource: true });
    await migrated.db.destroy();
    expect(await refusal(openSource(old))).toBe("opened");
  });

  it("the command: exit 2 with the reason for a missing file, exit 0 with the verification table for a copy", async () => {
    const cli = fileURLToPath(new URL("../src/db-copy/cli.ts", import.meta.url));
    const run = (...args: string[]) =>
      // Run where npm would run it (the package, so `--import tsx` resolves), paths taken from INIT_CWD as npm sets it.
      promisify(execFile)(process.execPath, ["--import", "tsx", cli, ...args], { cwd: fileURLToPath(new URL("..", import.meta.url)), env: { ...process.env, INIT_CWD: dir } }).then(
        (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
        (e) => ({ code: e.code as number, out: e.stdout as string, err: e.stderr as string }),
      );
    const missing = await run("--from", "./missing.db", "--to", "./x.db");
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^--from \.\/missing\.db: no such file/);
    const usage = await run("--from", sourceFile);
    expect([usage.code, usage.err]).toEqual([2, expect.stringMatching(/^--to is required\n\nusage: npm run db:copy/)]);
    const ok = await run("--from", sourceFile, "--to", "./cli-copy.db");
    expect(ok.err).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/Copied [\d,]+ rows in \d+ tables .* rows\/s/);
    expect(ok.out).toMatch(/\nruns +[\d,]+ +[\d,]+ +\d+ +equal\n/);
    expect(ok.out).toMatch(/All \d+ tables equal: row counts and the sums of \d+ numeric columns\./);
  }, 120_000);
});
