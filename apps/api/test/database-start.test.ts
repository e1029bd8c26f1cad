import { spawn } from "node:child_process";
import { createServer, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import SQLite from "better-sqlite3";
import { Migrator } from "kysely";
import { connect, migrationProvider } from "@tally/shared/db";
import { testEngine } from "@tally/shared/db/testing";
import { describe, expect, it } from "vitest";
import { closedPort } from "./raw-http.ts";

/**
 * `npm start` with a DATABASE_URL that cannot work: the server process (src/main.ts) stops with exit code 1
 * and one line naming the problem and the server, never the password, and no stack; it does not hang.
 */
const API = fileURLToPath(new URL("..", import.meta.url));
/** The migration before the last two, and the last two: the upgrade a database that old gets. */
const [BEFORE_UPGRADE, ...UPGRADE] = Object.keys(await migrationProvider.getMigrations()).sort().slice(-3);
const PASSWORD = "pw-that-must-not-show";

async function start(databaseUrl: string, more: Record<string, string> = {}): Promise<{ code: number | null; output: string; ms: number }> {
  const began = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: API,
    env: { ...process.env, INNGEST_DEV: "1", PORT: "0", TALLY_DEMO: "0", DATABASE_URL: databaseUrl, ...more },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (b: Buffer) => (output += b));
  child.stderr.on("data", (b: Buffer) => (output += b));
  const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  clearTimeout(killer);
  return { code, output, ms: Date.now() - began };
}

function expectOneClearLine(output: string, pattern: RegExp): void {
  const lines = output.split("\n").filter((l) => l.trim() && !l.includes("npm warn"));
  expect(lines, output).toEqual([expect.stringMatching(pattern)]);
  expect(output).not.toContain(PASSWORD);
  expect(output).not.toMatch(/^\s+at /m);
}

describe("a DATABASE_URL that cannot work stops start-up with one clear line", { timeout: 240_000 }, () => {
  it("a malformed postgres:// URL, or another scheme, is a configuration error naming DATABASE_URL", async () => {
    const bad = await start(`postgres://tally:${PASSWORD}@db.internal:port/tally`);
    expect(bad.code).toBe(1);
    expectOneClearLine(bad.output.replace(/^invalid configuration:\n/, ""), /^ {2}DATABASE_URL: "postgres:\/\/tally:\*\*\*@db\.internal:port\/tally" is not a valid PostgreSQL URL/);
    const other = await start(`postgress://tally:${PASSWORD}@db.internal/tally`);
    expect(other.code).toBe(1);
    expect(other.output).toMatch(/DATABASE_URL: .* is neither a PostgreSQL URL .* nor a SQLite file path/);
    expect(other.output).not.toContain(PASSWORD);
  });

  it("a server that refuses the connection", async () => {
    const port = await closedPort();
    const { code, output } = await start(`postgres://tally:${PASSWORD}@127.0.0.1:${port}/tally`);
    expect(code).toBe(1);
    expectOneClearLine(output, new RegExp(`^Tally cannot start: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/tally as tally: connect ECONNREFUSED`));
  });

  it("a server that accepts the connection and never answers: stopped after 10 s, not a hang", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as { port: number }).port;
    try {
      const { code, output, ms } = await start(`postgres://tally:${PASSWORD}@127.0.0.1:${port}/tally`);
      expect(code).toBe(1);
      expectOneClearLine(output, new RegExp(`^Tally cannot start: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port}/tally as tally: no answer in 10 s$`));
      expect(ms).toBeLessThan(100_000); // a Node start on a busy machine, plus the 10 s; without the limit, never
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  // Needs a real PostgreSQL server to refuse: the suite's PostgreSQL pass has one.
  it.runIf(testEngine() === "postgres")("a database the server does not have", async () => {
    const url = new URL(process.env.TALLY_TEST_POSTGRES_URL!);
    url.pathname = "/no_such_tally_db";
    url.password = PASSWORD;
    const { code, output } = await start(url.toString());
    expect(code).toBe(1);
    expectOneClearLine(output, /^Tally cannot start: cannot reach PostgreSQL at .*\/no_such_tally_db as \w+: database "no_such_tally_db" does not exist$/);
  });
});

describe("a SQLite file or a port that cannot work stops start-up with one clear line", { timeout: 240_000 }, () => {
  it("names the SQLite path and DATABASE_URL: a directory, a file that is not a database", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tally-start-"));
    const dirStart = await start(dir);
    expect(dirStart.code).toBe(1);
    expectOneClearLine(dirStart.output, new RegExp(`^Tally cannot start: cannot open the SQLite database ${dir} \\(DATABASE_URL\\): unable to open database file$`));
    const text = join(dir, "notes.txt");
    writeFileSync(text, "not a database, just some words that fill the first page of the file ".repeat(20));
    const textStart = await start(text);
    expect(textStart.code).toBe(1);
    expectOneClearLine(textStart.output, new RegExp(`^Tally cannot start: cannot open the SQLite database ${text} \\(DATABASE_URL\\): file is not a database$`));
    // A typo in a parent directory: only the file's own directory is ever created (./data on a first start).
    const typo = join(dir, "dat", "tally", "tally.db");
    const typoStart = await start(typo);
    expect(typoStart.code).toBe(1);
    expectOneClearLine(typoStart.output, new RegExp(`^Tally cannot start: cannot open the SQLite database ${typo} \\(DATABASE_URL\\): its directory ${join(dir, "dat", "tally")} cannot be created: ${join(dir, "dat")} does not exist$`));
    expect(existsSync(join(dir, "dat"))).toBe(false);
    const fresh = join(dir, "data", "tally.db");
    const db = await connect({ url: fresh });
    await db.destroy();
    expect(existsSync(fresh)).toBe(true);
  });

  it("a PORT in use, before the demo seed of an empty database: nothing seeded", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const port = (taken.address() as { port: number }).port;
    const file = join(mkdtempSync(join(tmpdir(), "tally-start-")), "t.db");
    try {
      const { code, output } = await start(file, { PORT: String(port), HOST: "127.0.0.1", TALLY_DEMO: "auto" });
      expect(code).toBe(1);
      expectOneClearLine(output, new RegExp(`^Tally cannot start: port ${port} on 127\\.0\\.0\\.1 is in use by another process; set PORT to a free port \\(PORT=0 picks one\\)$`));
      const db = new SQLite(file, { readonly: true });
      expect(db.prepare("select count(*) as n from runs").get()).toEqual({ n: 0 });
      db.close();
      // A database two migrations behind: start-up says what it runs before the (long, on a large database) upgrade.
      const older = join(dirname(file), "older.db");
      const kysely = await connect({ url: older, migrate: false });
      expect((await new Migrator({ db: kysely, provider: migrationProvider }).migrateTo(BEFORE_UPGRADE!)).error).toBeUndefined();
      await kysely.destroy();
      const upgrade = await start(older, { PORT: String(port), HOST: "127.0.0.1" });
      expect(upgrade.code).toBe(1);
      expect(upgrade.output.split("\n").filter(Boolean)).toEqual([
        `Upgrading the database: 2 migrations to run (${UPGRADE.join(", ")}); on a large database this can take minutes, and Tally listens once it is done`,
        expect.stringMatching(/^Database upgraded in \d+\.\d s$/),
        expect.stringMatching(/^Tally cannot start: port \d+ on 127\.0\.0\.1 is in use/),
      ]);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});
