import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { readEnv } from "../src/env.ts";
import { createHttpServer } from "../src/server.ts";
import { PARENT } from "./harness.ts";
import { closedPort, healthy, PRODUCTION, type RawAnswer, rawRequest } from "./raw-http.ts";

const FN = "tally-track-ai-costs";
const INNGEST = `/api/inngest?fnId=${FN}&stepId=step`;
const MiB = 1024 * 1024;

/** A deferred call as the executor POSTs it (one POST runs the write step). */
function deferredCall(runId: string): string {
  const event = {
    name: "inngest/deferred.schedule",
    id: `evt-${runId}`,
    ts: Date.now(),
    data: { model: "gpt-4o", promptTokens: 10, completionTokens: 2, customerId: "acme", _inngest: { fn_slug: FN, parent_fn_slug: PARENT.fnSlug, parent_run_id: `parent-${runId}` } },
  };
  return JSON.stringify({ event, events: [event], steps: {}, ctx: { run_id: runId, attempt: 0, use_api: false, stack: { stack: [], current: 0 } }, version: 2 });
}

/**
 * A request that sends its headers (declaring `content-length`) and then nothing: it holds its body's place
 * until `abort()`. `answer` settles with the response, or with status 0 if the connection ends without one.
 */
/** A request that sends its headers and `sent` (a start of its body), then nothing more until aborted. */
function stalledRequest(base: string, method: string, path: string, headers: Record<string, string>, sent = "") {
  const url = new URL(path, base);
  const req = request({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers });
  if (sent) req.write(sent);
  const answer = new Promise<RawAnswer>((resolve) => {
    req.on("response", (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", () => resolve({ status: 0, headers: {}, text: "" }));
  });
  req.flushHeaders();
  return { answer, abort: () => req.destroy() };
}

/** Tally as the server runs it, with `http` changed in its configuration (the body budget is read from it). */
async function startServer(env: Record<string, string>, http: { inngestBodyBytesInFlight?: number; trpcBodyBytesInFlight?: number; requestDeadlineMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "tally-gate-"));
  const app = await createApp(readEnv({ DATABASE_URL: await testDatabaseUrl({ file: join(dir, "tally.db") }), TALLY_DEMO: "0", INNGEST_BASE_URL: `http://127.0.0.1:${await closedPort()}`, ...env }));
  app.config.http = { ...app.config.http, ...http };
  const server = createHttpServer(app);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    app,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const usageRows = async (app: Awaited<ReturnType<typeof createApp>>) =>
  Number((await app.db.selectFrom("usage_costs").select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);

describe("/api/inngest in production mode: no signature, no body read", () => {
  let tally: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    tally = await startServer(PRODUCTION);
  });
  afterAll(() => tally.close());

  it("answers an unsigned POST declaring 16 MB, of which nothing is sent, with a 401 at once", async () => {
    const started = Date.now();
    const stalled = stalledRequest(tally.base, "POST", INNGEST, { "content-type": "application/json", "content-length": String(16 * MiB) });
    const res = await stalled.answer;
    stalled.abort();
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text).error).toMatch(/^Unauthorized: no X-Inngest-Signature header/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await healthy(tally.base)).toBe(true);
  });

  const now = () => Math.round(Date.now() / 1000);
  const hex = "ab".repeat(32);
  const REFUSED: { name: string; method?: string; headers: Record<string, string>; says: RegExp }[] = [
    { name: "no signature", headers: {}, says: /no X-Inngest-Signature header/ },
    { name: "an empty signature (the Dev Server's)", headers: { "x-inngest-signature": "" }, says: /no X-Inngest-Signature header/ },
    { name: "not t=&s=", headers: { "x-inngest-signature": "sha256=abc" }, says: /not t=<unix seconds>&s=<64 hex digits>/ },
    { name: "a timestamp that is not a number", headers: { "x-inngest-signature": `t=soon&s=${hex}` }, says: /not t=/ },
    { name: "a short signature", headers: { "x-inngest-signature": `t=${now()}&s=abc` }, says: /not t=/ },
    { name: "a signature dated 6 minutes ago", headers: { "x-inngest-signature": `t=${now() - 360}&s=${hex}` }, says: /more than 5 minutes/ },
    { name: "a signature dated 6 minutes ahead", headers: { "x-inngest-signature": `t=${now() + 360}&s=${hex}` }, says: /more than 5 minutes/ },
    { name: "an unsigned in-band sync (PUT with a body)", method: "PUT", headers: { "x-inngest-sync-kind": "in_band" }, says: /no X-Inngest-Signature/ },
  ];
  it.each(REFUSED)("$name: 401 naming the problem, as the SDK answers, nothing written", async ({ method, headers, says }) => {
    const res = await rawRequest(tally.base, method ?? "POST", method === "PUT" ? "/api/inngest" : INNGEST, deferredCall("01GATE"), { "content-type": "application/json", ...headers });
    expect(res.status).toBe(401);
    expect(res.headers["x-inngest-no-retry"]).toBeUndefined(); // the SDK's own 401 carries none either
    expect(JSON.parse(res.text).error).toMatch(says);
    expect(await usageRows(tally.app)).toBe(0);
  });

  it("lets a current, well-formed signature through to the SDK's HMAC check, malformed body or not", async () => {
    const signature = { "x-inngest-signature": `t=${now()}&s=${hex}` };
    const wrongHmac = await rawRequest(tally.base, "POST", INNGEST, deferredCall("01GATE"), { "content-type": "application/json", ...signature });
    expect(JSON.parse(wrongHmac.text)).toEqual({ message: "Unauthorized" }); // the SDK's answer
    expect(wrongHmac.status).toBe(401);
    // A malformed call with that signature gets the very same answer: nothing says the body was what was wrong.
    const malformed = await rawRequest(tally.base, "POST", INNGEST, "{}", { "content-type": "application/json", ...signature });
    expect([malformed.status, malformed.text]).toEqual([401, wrongHmac.text]);
    // A body-less PUT (out-of-band sync) stays open, as the SDK allows it unsigned: it then fails to reach Inngest.
    const sync = await rawRequest(tally.base, "PUT", "/api/inngest", "", {});
    expect(sync.status).not.toBe(401);
    expect(await usageRows(tally.app)).toBe(0);
  });
});

describe("/api/inngest in dev mode", () => {
  it("runs unsigned calls and the Dev Server's empty signature header", async () => {
    const tally = await startServer({ INNGEST_DEV: "1" });
    try {
      const unsigned = await rawRequest(tally.base, "POST", INNGEST, deferredCall("01DEV1"), { "content-type": "application/json" });
      const empty = await rawRequest(tally.base, "POST", INNGEST, deferredCall("01DEV2"), { "content-type": "application/json", "x-inngest-signature": "" });
      expect([unsigned.status, empty.status]).toEqual([206, 206]);
      expect(await usageRows(tally.app)).toBe(2);
    } finally {
      await tally.close();
    }
  });
});

describe("bytes of bodies read at once", () => {
  it("counts bytes as they arrive: a declared body not sent holds nothing; beyond the budget a 503 with Retry-After; room again once answered", { timeout: 60_000 }, async () => {
    const tally = await startServer({ INNGEST_DEV: "1" }, { inngestBodyBytesInFlight: 4000 });
    try {
      const call = deferredCall("01BUDGET");
      expect(call.length).toBeLessThan(1000);
      // Unsigned clients declaring big bodies (3,500 bytes; a stream of up to 16 MiB) and sending nothing: they
      // hold none of the budget, so a real call still runs.
      const declared = stalledRequest(tally.base, "POST", INNGEST, { "content-type": "application/json", "content-length": "3500" });
      const streaming = stalledRequest(tally.base, "POST", INNGEST, { "content-type": "application/json" });
      await new Promise((r) => setTimeout(r, 100));
      const runs = await rawRequest(tally.base, "POST", INNGEST, call, { "content-type": "application/json" });
      expect(runs.status, runs.text).toBe(206);
      // One that has sent 3,500 of its bytes holds them: the next body does not fit in the 500 left.
      const holder = stalledRequest(tally.base, "POST", INNGEST, { "content-type": "application/json", "content-length": "3600" }, " ".repeat(3500));
      await new Promise((r) => setTimeout(r, 200));
      const busy = await rawRequest(tally.base, "POST", INNGEST, deferredCall("01BUSY"), { "content-type": "application/json" });
      expect(busy.status).toBe(503);
      expect(busy.headers["retry-after"]).toBe("1");
      expect(busy.headers["x-inngest-no-retry"]).toBeUndefined(); // Inngest retries it
      expect(JSON.parse(busy.text).error).toMatch(/^busy: 3500 bytes of request bodies are being read/);
      holder.abort(); // the held request ends unanswered: its bytes go back
      expect((await holder.answer).status).toBe(0);
      await new Promise((r) => setTimeout(r, 100));
      const after = await rawRequest(tally.base, "POST", INNGEST, deferredCall("01AFTER"), { "content-type": "application/json" });
      expect(after.status, after.text).toBe(206);
      // Answered requests give their bytes back: many in a row never exhaust the budget.
      for (let i = 0; i < 20; i++) {
        const res = await rawRequest(tally.base, "POST", INNGEST, deferredCall(`01SEQ${i}`), { "content-type": "application/json" });
        expect(res.status).toBe(206);
      }
      declared.abort();
      streaming.abort();
      expect(await usageRows(tally.app)).toBe(22);
    } finally {
      await tally.close();
    }
  });

  it("a slow upload gets a 408 at the request deadline and gives its bytes back (it cannot hold the budget for minutes)", { timeout: 60_000 }, async () => {
    const tally = await startServer({ INNGEST_DEV: "1" }, { inngestBodyBytesInFlight: 4000, requestDeadlineMs: 1500 });
    try {
      const call = deferredCall("01DEADLINE");
      const started = Date.now();
      const holder = stalledRequest(tally.base, "POST", INNGEST, { "content-type": "application/json", "content-length": "3600" }, " ".repeat(3500));
      await new Promise((r) => setTimeout(r, 200));
      expect((await rawRequest(tally.base, "POST", INNGEST, call, { "content-type": "application/json" })).status).toBe(503);
      const held = await holder.answer;
      const heldFor = Date.now() - started;
      expect(held.status).toBe(408);
      expect(heldFor).toBeGreaterThanOrEqual(1500);
      expect(heldFor).toBeLessThan(10_000);
      const after = await rawRequest(tally.base, "POST", INNGEST, call, { "content-type": "application/json" });
      expect(after.status, after.text).toBe(206);
      expect(await usageRows(tally.app)).toBe(1);
    } finally {
      await tally.close();
    }
  });

  it("tRPC bodies, read before the caller is known, have a bound of their own: a 503 beyond it, room again once answered", { timeout: 60_000 }, async () => {
    const tally = await startServer({ INNGEST_DEV: "1" }, { trpcBodyBytesInFlight: 4000 });
    try {
      const TRPC = "/api/trpc/overview.summary";
      const json = { "content-type": "application/json" };
      const input = JSON.stringify({ from: 0, to: 86_400_000 });
      // No credentials: read, then refused by the procedure (401), so nothing is held.
      expect((await rawRequest(tally.base, "POST", TRPC, input, json)).status).toBe(401);
      const holder = stalledRequest(tally.base, "POST", TRPC, { ...json, "content-length": "3600" }, " ".repeat(3500));
      await new Promise((r) => setTimeout(r, 200));
      const busy = await rawRequest(tally.base, "POST", TRPC, " ".repeat(600), json);
      expect(busy.status).toBe(503);
      expect(busy.headers["retry-after"]).toBe("1");
      expect(JSON.parse(busy.text).error).toMatch(/^busy: 3500 bytes of request bodies are being read/);
      // /api/inngest has its own budget: unaffected.
      expect((await rawRequest(tally.base, "POST", INNGEST, deferredCall("01TRPCBUSY"), json)).status).toBe(206);
      holder.abort();
      await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 10; i++) expect((await rawRequest(tally.base, "POST", TRPC, input, json)).status).toBe(401);
    } finally {
      await tally.close();
    }
  });
});
