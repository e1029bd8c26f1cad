import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startTally, type Tally } from "./harness.ts";
import { closedPort, healthy, PRODUCTION, type RawAnswer, rawRequest } from "./raw-http.ts";

const JSON_TYPE = { "content-type": "application/json" };
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
  { name: "deeply nested objects", body: '{"a":'.repeat(50_000) + "1" + "}".repeat(50_000) },
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

for (const [mode, env] of [["dev", { INNGEST_DEV: "1" }], ["production", PRODUCTION]] as const) {
  describe(`broken bodies (${mode} mode)`, () => {
    let tally: Tally;
    beforeAll(async () => {
      // The Inngest v4 client reads its signing key from process.env (app.ts's serve() option is ignored).
      if ("INNGEST_SIGNING_KEY" in env) vi.stubEnv("INNGEST_SIGNING_KEY", env.INNGEST_SIGNING_KEY);
      tally = await startTally({ ...env, INNGEST_BASE_URL: `http://127.0.0.1:${await closedPort()}` });
    });
    afterAll(async () => {
      await tally.close();
      vi.unstubAllEnvs();
    });

    it(`answers ${KINDS.length} kinds of broken body on ${ROUTES.length} routes with a 4xx and keeps serving`, { timeout: 120_000 }, async () => {
      const survived = new Set<string>();
      const answers: string[] = [];
      for (const kind of KINDS) {
        let ok = true;
        for (const route of ROUTES) {
          const headers = { ...JSON_TYPE, ...route.headers, ...kind.headers };
          if (headers["content-type"] === "") delete (headers as Record<string, string>)["content-type"];
          const res = await rawRequest(tally.base, route.method, route.path, kind.body, headers).catch((e: Error): RawAnswer => ({ status: 0, headers: {}, text: e.message }));
          answers.push(`${kind.name} ${route.method} ${route.path.split("?")[0]} → ${res.status}`);
          const answered = res.status >= 400 && res.status < 500 && JSON.parse(res.text) !== null;
          if (!answered || !(await healthy(tally.base))) ok = false;
          // A refused executor call must not be retried; the SDK answers a bad sync (PUT) itself.
          if (route.method === "POST" && route.path.startsWith("/api/inngest") && res.status !== 415) {
            expect(res.headers["x-inngest-no-retry"], `${kind.name} ${route.method}`).toBe("true");
          }
        }
        if (ok) survived.add(kind.name);
      }
      if (process.env.SHOW_ANSWERS) console.log(answers.join("\n"));
      console.log(`${mode} mode: survived ${survived.size} of ${KINDS.length} kinds × ${ROUTES.length} routes`);
      expect(answers.filter((a) => !/→ 4\d\d$/.test(a))).toEqual([]);
      expect([...survived]).toEqual(KINDS.map((k) => k.name));
      expect(await tally.db.selectFrom("usage_costs").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).toEqual({ n: 0 });
      expect(await tally.db.selectFrom("runs").select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).toEqual({ n: 0 });
    });
  });
}
