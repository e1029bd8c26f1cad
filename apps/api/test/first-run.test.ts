import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Json } from "./json.ts";

// A newcomer's first `npm start`: the real server process, a fresh empty database (a SQLite file in a new data
// directory, or an unmigrated PostgreSQL database on the PostgreSQL pass), no API keys. They
// read through the account the printed first-run link creates, signed in like the dashboard.
describe("first start with an empty database", () => {
  let dir: string;
  let child: ChildProcess;
  let base: string;
  let output = "";
  let cookie: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tally-first-run-"));
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    base = `http://127.0.0.1:${port}`;
    const env = { ...process.env, INNGEST_DEV: "1", PORT: String(port), DATABASE_URL: await testDatabaseUrl({ file: join(dir, "data", "tally.db"), migrated: false }) };
    child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { env, stdio: ["ignore", "pipe", "pipe"] });
    await new Promise<void>((resolve, reject) => {
      const onData = (b: Buffer) => {
        output += b.toString();
        if (/First run: .*\n/.test(output)) resolve();
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
    });
  }, 300_000); // the demo seed: about 30 s on SQLite, a few times that on PostgreSQL (a round trip per statement)

  afterAll(() => {
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  it("seeds the demo history, showing progress", () => {
    expect(output).toMatch(/Seeding demo data: 100%/);
    expect(output).toMatch(/Seeded [\d,]+ demo runs \(remove them with: npm run demo:clear\)/);
  });

  it("prints a first-run link whose account signs in", async () => {
    const token = /First run: create the admin account at \S+\/setup\?token=([\w-]+)/.exec(output)?.[1];
    expect(token, output).toMatch(/^[\w-]{43}$/);
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", origin: base }, body: JSON.stringify(body) });
    const account = { email: "first@example.com", password: "first-run password 1" };
    expect((await post("/api/setup", { token, name: "First", ...account })).status).toBe(201);
    const signedIn = await post("/api/auth/sign-in/email", account);
    expect(signedIn.status).toBe(200);
    const set = signedIn.headers.getSetCookie().find((c) => c.startsWith("better-auth.session_token="));
    expect(set, signedIn.headers.getSetCookie().join(" | ")).toBeDefined();
    cookie = set!.split(";")[0]!;
  });

  it("answers overview.summary with spend, scores and unpriced usage, to the signed-in admin only", async () => {
    const input = { from: Date.now() - 30 * 86_400_000, to: Date.now() };
    const url = `${base}/api/trpc/overview.summary?input=${encodeURIComponent(JSON.stringify(input))}`;
    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: { cookie } });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as { result: { data: { current: Record<string, Json> } } };
    const now = result.data.current;
    expect(now.spendMicros.total).toBeGreaterThan(0);
    expect(now.spendMicros.judge).toBeGreaterThan(0);
    expect(now.runs).toBeGreaterThan(1000);
    expect(now.scores.map((s: { name: string }) => s.name).sort()).toEqual(["accuracy", "helpfulness", "tone"]);
    expect(now.unpricedCalls).toBeGreaterThan(0);

    const byModel = await fetch(`${base}/api/trpc/spend.byModel?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: { cookie } });
    type Row = { model: string; agentSpendMicros: number | null; judgeSpendMicros: number | null; costPerRunMicros: number | null };
    const rows = ((await byModel.json()) as { result: { data: { rows: Row[] } } }).result.data.rows;
    // The unpriced fine-tune: its agent spend unknown (null), the judge's priced spend on its runs its own (issue 17 §3).
    expect(rows.filter((r) => r.agentSpendMicros === null).map((r) => r.model)).toEqual(["acme-support-ft-v2"]);
    const ft = rows.find((r) => r.model === "acme-support-ft-v2")!;
    expect(ft.costPerRunMicros).toBeNull();
    expect(ft.judgeSpendMicros).toBeGreaterThan(0);
  });

  it("serves the web app at the root", async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toMatch(/<div id="root">/);
  });
});
