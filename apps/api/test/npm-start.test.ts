import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { afterEach, describe, expect, it } from "vitest";

/**
 * README's `npm start`, as a user runs it: the whole process tree stops with it. Each test starts it in a
 * process group of its own (as a terminal does), on an ephemeral port and an empty, unmigrated database (a
 * SQLite file, or on the suite's PostgreSQL pass a new PostgreSQL database): start-up creates the schema.
 */
const ROOT = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const dirs: string[] = [];
const started: ChildProcess[] = [];

afterEach(() => {
  for (const p of started.splice(0)) {
    try {
      process.kill(-p.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function npmStart(env: Record<string, string> = {}): Promise<{ npm: ChildProcess; url: string; output: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), "tally-start-"));
  dirs.push(dir);
  const npm = spawn("npm", ["start"], {
    cwd: ROOT,
    detached: true, // its own process group, as in a terminal
    env: { ...process.env, PORT: "0", DATABASE_URL: await testDatabaseUrl({ file: join(dir, "tally.db"), migrated: false }), TALLY_DEMO: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(npm);
  let out = "";
  npm.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  npm.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  // npm start builds the dashboard first: 2 min when its cache is cold on a busy 2-core machine.
  const url = await waitFor(() => /Tally listening on (http:\/\/\S+)/.exec(out)?.[1], 240_000, () => out);
  return { npm, url, output: () => out };
}

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, ms: number, why: () => string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out; output:\n${why()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Live processes still in a process group (ps, as a user would look; a killed zombie awaiting its reaper is gone). */
function inGroup(pgid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=,stat=", "-g", String(pgid)], { encoding: "utf8" })
      .split("\n")
      .map((l) => l.trim().split(/\s+/))
      .filter(([pid, stat]) => Number(pid) > 0 && !stat?.startsWith("Z"))
      .map(([pid]) => Number(pid));
  } catch {
    return []; // ps exits 1 when nothing matches
  }
}

const answers = (url: string) =>
  fetch(`${url}/healthz`).then(
    (r) => r.status,
    () => undefined,
  );
const refused = async (url: string) => ((await answers(url)) === undefined ? true : undefined);

/** The API process: the node running main.ts in the group. */
function apiPid(pgid: number): number {
  const ps = execFileSync("ps", ["-o", "pid=,args=", "-g", String(pgid)], { encoding: "utf8" });
  const line = ps.split("\n").find((l) => l.includes("src/main.ts"));
  if (!line) throw new Error(`no API process in group ${pgid}:\n${ps}`);
  return Number(line.trim().split(/\s+/)[0]);
}

describe("npm start", { timeout: 300_000 }, () => {
  it("on an empty database prints a one-time link that opens the admin account's setup; data needs credentials", async () => {
    const { url, output } = await npmStart();
    const line = await waitFor(() => /^ *First run: .*$/m.exec(output())?.[0], 10_000, output);
    const port = new URL(url).port;
    const token = new RegExp(`^ *First run: create the admin account at http://127\\.0\\.0\\.1:${port}/setup\\?token=([A-Za-z0-9_-]{43})$`).exec(line)?.[1];
    expect(token, line).toBeDefined();
    const setup = await fetch(`${url}/api/setup?token=${token}`);
    expect(setup.status).toBe(200);
    expect(await setup.json()).toMatchObject({ role: "admin", email: null });
    expect((await fetch(`${url}/api/trpc/overview.summary`)).status).toBe(401);
  });

  it("with an INNGEST_SIGNING_KEY runs outside dev mode (as on a machine behind Inngest Cloud): unsigned Inngest calls are refused", async () => {
    const { url, output } = await npmStart({ INNGEST_SIGNING_KEY: `signkey-prod-${"ab".repeat(32)}`, TALLY_AUTH_SECRET: "x".repeat(40) });
    expect(output()).toContain("(Inngest cloud mode)");
    const unsigned = await fetch(`${url}/api/inngest?fnId=tally-track-ai-costs&stepId=step`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    expect(unsigned.status).toBeLessThan(500);
  });

  // `kill <pid of npm start>` (SIGTERM, or SIGINT) reaches npm alone; Ctrl-C in a terminal sends SIGINT to the whole group.
  it.each([
    { signal: "SIGTERM", to: "npm" },
    { signal: "SIGINT", to: "npm" },
    { signal: "SIGINT", to: "the process group (Ctrl-C)" },
  ] as const)("$signal to $to stops the API and every process it started", async ({ signal, to }) => {
    const { npm, url, output } = await npmStart();
    expect(await answers(url)).toBe(200);
    process.kill(to === "npm" ? npm.pid! : -npm.pid!, signal);
    await waitFor(() => refused(url), 10_000, () => `the API still answers after ${signal}`);
    await waitFor(() => (inGroup(npm.pid!).length === 0 ? true : undefined), 10_000, () => `left: ${inGroup(npm.pid!).join(" ")}`);
    // The API stopped on the signal itself (main.ts's orderly stop), not because its launcher died.
    expect(output()).toContain(`Tally stopping (${signal})`);
  });

  it("kill -KILL of the process group leaves nothing running", async () => {
    const { npm, url } = await npmStart();
    expect(inGroup(npm.pid!)).toContain(apiPid(npm.pid!)); // the API runs in the group npm start was given
    process.kill(-npm.pid!, "SIGKILL");
    await waitFor(() => refused(url), 5_000, () => "the API still answers after kill -KILL of the group");
    await waitFor(() => (inGroup(npm.pid!).length === 0 ? true : undefined), 5_000, () => `left: ${inGroup(npm.pid!).join(" ")}`);
  });

  it("an API killed outright (an OOM kill, kill -KILL) leaves a line saying so, and npm start exits non-zero", async () => {
    const { npm, url, output } = await npmStart();
    const exited = new Promise<number | null>((r) => npm.on("exit", (code) => r(code)));
    process.kill(apiPid(npm.pid!), "SIGKILL");
    await waitFor(() => refused(url), 10_000, () => "the API still answers after kill -KILL");
    expect(await exited).not.toBe(0);
    expect(output()).toContain("Tally: the API was stopped by SIGKILL");
  });

  it("the API stops by itself when what started it is killed outright", async () => {
    const { npm, url } = await npmStart();
    const api = apiPid(npm.pid!);
    const launcher = Number(execFileSync("ps", ["-o", "ppid=", "-p", String(api)], { encoding: "utf8" }).trim());
    process.kill(launcher, "SIGKILL"); // the API's parent, without passing any signal on
    await waitFor(() => refused(url), 10_000, () => "the orphaned API still answers");
  });
});
