import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "@tally/shared/db";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { afterAll, describe, expect, it } from "vitest";
import { AUTH, TEST_API_KEY } from "./harness.ts";
import { closedPort, healthy, inngestSignature, PRODUCTION, type RawAnswer, rawRequest } from "./raw-http.ts";

const MiB = 1024 * 1024;

/** Bodies no client of Tally's sends; each must be answered with a 4xx while the server keeps serving. */
const KINDS: { name: string; body: string | Buffer; headers?: Record<string, string> }[] = [
  { name: "empty", body: "" },
  { name: "not JSON", body: "nope{" },
  { name: "a lone brace", body: "{" },
  { name: "truncated JSON", body: '{"event":{"name":"inngest/deferred.schedule","data":{' },
  { name: "trailing garbage", body: "{} x" },
  { name: "empty array", body: "[]" },
  { name: "empty object", body: "{}" },
  { name: "null", body: "null" },
  { name: "number", body: "42" },
  { name: "overflowing number", body: "1e999999" },
  { name: "NaN", body: "NaN" },
  { name: "string", body: '"event"' },
  { name: "boolean", body: "true" },
  { name: "byte-order mark", body: "\uFEFF{}" },
  { name: "NUL bytes", body: "\0\0\0" },
  { name: "invalid UTF-8", body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
  { name: "lone surrogate escape", body: '{"event":"\\ud800"}' },
  { name: "__proto__ key", body: '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}' },
  { name: "deeply nested arrays", body: "[".repeat(200_000) + "]".repeat(200_000) },
  { name: "deeply nested objects", body: `${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}` },
  { name: "unbalanced brackets", body: "[".repeat(100_000) },
  { name: "10 MB of garbage", body: "x".repeat(10 * MiB) },
  { name: "10 MB JSON string", body: JSON.stringify({ event: "y".repeat(10 * MiB) }) },
  { name: "17 MB body", body: Buffer.alloc(17 * MiB, 0x20) },
  { name: "text/plain JSON", body: "{}", headers: { "content-type": "text/plain" } },
  { name: "form-encoded", body: "event=1", headers: { "content-type": "application/x-www-form-urlencoded" } },
  { name: "multipart", body: "--x\r\n\r\n--x--", headers: { "content-type": "multipart/form-data; boundary=x" } },
  { name: "no content type", body: "{}", headers: { "content-type": "" } },
];

const ROUTES = [
  { method: "POST", path: "/api/inngest?fnId=tally-track-ai-costs&stepId=step" },
  // In-band sync: the SDK checks the body itself (and the signature) instead of calling the Inngest API.
  { method: "PUT", path: "/api/inngest", headers: { "x-inngest-sync-kind": "in_band" } },
  { method: "POST", path: "/api/trpc/prices.upsert" },
  { method: "POST", path: "/api/trpc/overview.summary" },
];

interface Running {
  base: string;
  child: ChildProcess;
}

/** The server in its own process (test/server-process.ts), configured like `npm start` from its environment. */
async function startProcess(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/server-process.ts"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "ignore"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (c: Buffer) => {
      out += c;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
  return { base: `http://127.0.0.1:${port}`, child };
}

async function stop(r: Running): Promise<void> {
  if (r.child.exitCode !== null) return;
  const exited = new Promise((res) => r.child.once("exit", res));
  r.child.kill("SIGTERM");
  await exited;
}

for (const [mode, modeEnv] of [["dev", { INNGEST_DEV: "1" }], ["production", PRODUCTION]] as const) {
  describe(`broken bodies (${mode} mode, server in its own process)`, () => {
    const dir = mkdtempSync(join(tmpdir(), "tally-broken-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it(`answers ${KINDS.length} kinds of broken body on ${ROUTES.length} routes with a 4xx and keeps serving`, { timeout: 300_000 }, async () => {
      const env = { ...modeEnv, DATABASE_URL: await testDatabaseUrl({ file: join(dir, "tally.db") }), TALLY_DEMO: "0", INNGEST_BASE_URL: `http://127.0.0.1:${await closedPort()}`, TALLY_INIT_API_KEY: TEST_API_KEY };
      let server = await startProcess(env);
      const killed: string[] = [];
      const wrong: string[] = [];
      try {
        for (const kind of KINDS) {
          for (const route of ROUTES) {
            const headers: Record<string, string> = { "content-type": "application/json", ...route.headers, ...kind.headers };
            // Outside dev mode an unsigned call is refused before its body is read (test/inngest-gate.test.ts), and
            // a malformed one is told what is wrong only when signed: these bodies are signed as Inngest signs.
            if (mode === "production" && route.path.startsWith("/api/inngest")) headers["x-inngest-signature"] = inngestSignature(kind.body);
            // A tRPC call without credentials is refused (401) before its body is read: an admin's key takes it there.
            if (route.path.startsWith("/api/trpc")) Object.assign(headers, AUTH);
            if (headers["content-type"] === "") delete headers["content-type"];
            const res = await rawRequest(server.base, route.method, route.path, kind.body, headers).catch((e: Error): RawAnswer => ({ status: 0, headers: {}, text: e.message }));
            const where = `${kind.name}: ${route.method} ${route.path.split("?")[0]} → ${res.status}`;
            if (!(await healthy(server.base))) {
              killed.push(where);
              await stop(server);
              server = await startProcess(env); // count the next kinds too
              continue;
            }
            const isJson = (() => {
              try {
                return JSON.parse(res.text) !== null;
              } catch {
                return false;
              }
            })();
            // A refused executor call must not be retried; the SDK answers a bad sync (PUT) itself.
            const noRetry = route.method === "PUT" || res.status === 415 || res.headers["x-inngest-no-retry"] === "true" || !route.path.startsWith("/api/inngest");
            // A tRPC call refused for its credentials would leave the body unread.
            const unread = route.path.startsWith("/api/trpc") && (res.status === 401 || res.status === 403);
            if (res.status < 400 || res.status >= 500 || unread || !isJson || !noRetry) wrong.push(`${where}${noRetry ? "" : " (retriable)"}`);
          }
        }
      } finally {
        await stop(server);
      }
      const survived = KINDS.filter((k) => !killed.some((w) => w.startsWith(`${k.name}:`))).length;
      console.log(`${mode} mode: the server survived ${survived} of ${KINDS.length} kinds of broken body (× ${ROUTES.length} routes)`);
      expect(killed).toEqual([]);
      expect(wrong, wrong.join("\n")).toEqual([]);
      const db = await connect({ url: env.DATABASE_URL });
      try {
        for (const table of ["runs", "usage_costs", "model_prices"] as const) {
          const row = await db.selectFrom(table).select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
          expect(Number(row.n), table).toBe(0);
        }
      } finally {
        await db.destroy();
      }
    });
  });
}
