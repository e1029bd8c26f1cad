import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PARENT, startTally, type Tally } from "./harness.ts";
import type { Json } from "./json.ts";
import { closedPort, inngestSignature, PRODUCTION, rawRequest } from "./raw-http.ts";
import { fakeInngestApi } from "./fake-servers.ts";

const FN = "tally-track-ai-costs";
const PAYLOAD = { model: "gpt-4o", promptTokens: 1000, completionTokens: 200, customerId: "acme" };

/** A deferred call as the Inngest executor POSTs it (see executor.ts), with `change` applied to it. */
function call(change: (body: Record<string, Json>) => void = () => {}): Record<string, Json> {
  const event = {
    name: "inngest/deferred.schedule",
    id: "evt-1",
    ts: Date.UTC(2026, 1, 1),
    data: { ...PAYLOAD, _inngest: { fn_slug: FN, parent_fn_slug: PARENT.fnSlug, parent_run_id: PARENT.runId } },
  };
  const body: Record<string, Json> = {
    event: structuredClone(event),
    events: [structuredClone(event)],
    steps: {},
    ctx: { run_id: "01DEFERREDRUN", attempt: 0, disable_immediate_execution: false, use_api: false, stack: { stack: [], current: 0 } },
    version: 2,
  };
  change(body);
  return body;
}

const both = (f: (data: Record<string, Json>) => void) => (b: Record<string, Json>) => {
  f(b.event.data);
  f(b.events[0].data);
};

/** Malformed executor requests: each must be a 400 that the executor does not retry, naming the field. */
const MALFORMED: { name: string; query?: string; body: unknown; says: RegExp }[] = [
  { name: "_inngest missing", body: call(both((d) => delete d._inngest)), says: /event\.data\._inngest/ },
  { name: "_inngest not an object", body: call(both((d) => (d._inngest = "parent"))), says: /event\.data\._inngest/ },
  { name: "empty parent_run_id", body: call(both((d) => (d._inngest.parent_run_id = ""))), says: /event\.data\._inngest\.parent_run_id: must be a non-empty string/ },
  { name: "parent_run_id not a string", body: call(both((d) => (d._inngest.parent_run_id = 7))), says: /parent_run_id/ },
  { name: "parent_fn_slug missing", body: call(both((d) => delete d._inngest.parent_fn_slug)), says: /parent_fn_slug/ },
  { name: "only events[0] lacks _inngest", body: call((b) => delete b.events[0].data._inngest), says: /events\.0\.data\._inngest/ },
  { name: "event.data a string", body: call((b) => (b.event.data = "usage")), says: /event\.data/ },
  { name: "event.data an array", body: call((b) => (b.event.data = [PAYLOAD])), says: /event\.data/ },
  { name: "event.data missing", body: call((b) => delete b.event.data), says: /event\.data/ },
  { name: "event missing", body: call((b) => delete b.event), says: /event/ },
  { name: "no ctx", body: call((b) => delete b.ctx), says: /ctx/ },
  { name: "ctx null", body: call((b) => (b.ctx = null)), says: /ctx/ },
  { name: "empty ctx.run_id", body: call((b) => (b.ctx.run_id = "")), says: /ctx\.run_id/ },
  { name: "empty events", body: call((b) => (b.events = [])), says: /events: must list the run's events/ },
  { name: "events missing", body: call((b) => delete b.events), says: /events/ },
  { name: "events not a list", body: call((b) => (b.events = {})), says: /events/ },
  { name: "steps not an object", body: call((b) => (b.steps = "none")), says: /steps/ },
  // Run ids and slugs are stored and shown: well-formed, visible, at most 200 characters.
  { name: "lone surrogate in parent_run_id", body: call(both((d) => (d._inngest.parent_run_id = "run\uD800"))), says: /event\.data\._inngest\.parent_run_id: contains a lone UTF-16 surrogate/ },
  { name: "lone surrogate in ctx.run_id", body: call((b) => (b.ctx.run_id = "\uDC00run")), says: /ctx\.run_id: contains a lone UTF-16 surrogate/ },
  { name: "NUL in parent_fn_slug", body: call(both((d) => (d._inngest.parent_fn_slug = "tally-x\u0000"))), says: /parent_fn_slug: contains a control character/ },
  { name: "blank parent_run_id", body: call(both((d) => (d._inngest.parent_run_id = " \u200b "))), says: /parent_run_id: is blank/ },
  { name: "100,000-character parent_run_id", body: call(both((d) => (d._inngest.parent_run_id = "r".repeat(100_000)))), says: /parent_run_id: Too big: expected string to have <=200 characters/ },
  { name: "201-character ctx.run_id", body: call((b) => (b.ctx.run_id = "r".repeat(201))), says: /ctx\.run_id: Too big/ },
  // The SDK's own parse would answer these with a retriable 500 ("Failed to parse data from executor").
  { name: "version 99", body: call((b) => (b.version = 99)), says: /version: must be one of -1, 1, 2 or absent/ },
  { name: "version 0", body: call((b) => (b.version = 0)), says: /version: must be one of -1, 1, 2 or absent/ },
  { name: 'version "2"', body: call((b) => (b.version = "2")), says: /version: must be one of/ },
  { name: 'ctx.stack "x"', body: call((b) => (b.ctx.stack = "x")), says: /ctx\.stack/ },
  { name: "ctx.stack.stack of numbers", body: call((b) => (b.ctx.stack = { stack: [1], current: 0 })), says: /ctx\.stack\.stack\.0/ },
  { name: "ctx.stack without current", body: call((b) => (b.ctx.stack = { stack: [] })), says: /ctx\.stack\.current/ },
  { name: "ctx.max_attempts a string", body: call((b) => (b.ctx.max_attempts = "3")), says: /ctx\.max_attempts/ },
  // The deferred event's ts is a row's time when the payload has no occurredAt.
  { name: "event.ts 1e20", body: call((b) => (b.event.ts = b.events[0].ts = 1e20)), says: /event\.ts: must be epoch ms from 2000-01-01T00:00:00Z to one day ahead/ },
  { name: "event.ts before 2000", body: call((b) => (b.events[0].ts = Date.UTC(1999, 11, 31))), says: /events\.0\.ts: must be epoch ms/ },
  { name: "event.ts fractional", body: call((b) => (b.event.ts = 1.7e12 + 0.5)), says: /event\.ts: must be an integer/ },
  { name: "event.ts a string", body: call((b) => (b.event.ts = "2026-02-01")), says: /event\.ts/ },
  { name: "missing fnId", query: "?stepId=step", body: call(), says: /fnId query parameter is required/ },
  { name: "unknown fnId", query: "?fnId=tally-nope&stepId=step", body: call(), says: /unknown function "tally-nope"/ },
];

async function count(tally: Tally, table: "runs" | "usage_costs" | "evaluations" | "rollup_usage_15m" | "notifications"): Promise<number> {
  const row = await tally.db.selectFrom(table).select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe("malformed executor requests", () => {
  let tally: Tally;
  let inngestApi: Server;
  const apiRequests: { path: string; body: Json }[] = [];
  beforeAll(async () => {
    // A stand-in for the Inngest API: the SDK registers with it on a sync (`PUT /api/inngest`) and reads a
    // run's events and steps from it when a call says `ctx.use_api`.
    inngestApi = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        apiRequests.push({ path: req.url ?? "", body: raw ? JSON.parse(raw) : null });
        const answer = req.url?.endsWith("/batch") ? [call().event] : {};
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((r) => inngestApi.listen(0, "127.0.0.1", r));
    tally = await startTally({ INNGEST_BASE_URL: `http://127.0.0.1:${(inngestApi.address() as { port: number }).port}` });
  });
  afterAll(async () => {
    await tally.close();
    await new Promise((r) => inngestApi.close(r));
  });

  it.each(MALFORMED)("$name: a non-retriable 400 naming the field, nothing written", async ({ query, body, says }) => {
    const res = await fetch(`${tally.base}/api/inngest${query ?? `?fnId=${FN}&stepId=step`}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-inngest-no-retry")).toBe("true");
    expect(((await res.json()) as { error: string }).error).toMatch(says);
    for (const table of ["runs", "usage_costs", "evaluations", "rollup_usage_15m", "notifications"] as const) {
      expect(await count(tally, table), table).toBe(0);
    }
  });

  it("the same call, well formed, records the usage once under its parent run", async () => {
    const out = await tally.executor.runDeferred({ fnSlug: FN, input: PAYLOAD }, PARENT, { runId: "01WELLFORMED" });
    expect(out.status).toBe("completed");
    expect(await tally.db.selectFrom("runs").select("run_id").execute()).toEqual([{ run_id: PARENT.runId }]);
    expect(await count(tally, "usage_costs")).toBe(1);
  });

  it("passes a call with ctx.use_api and no events to the SDK, which fetches them from the Inngest API", async () => {
    const res = await fetch(`${tally.base}/api/inngest?fnId=${FN}&stepId=step`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        call((b) => {
          b.events = [];
          b.ctx.use_api = true;
          b.ctx.run_id = "01USEAPI";
        }),
      ),
    });
    expect(res.status).toBe(206);
    expect(((await res.json()) as { op: string }[]).map((o) => o.op)).toEqual(["StepRun"]);
    expect(apiRequests.map((r) => r.path).sort()).toEqual(["/v0/runs/01USEAPI/actions", "/v0/runs/01USEAPI/batch"]);
  });

  it("keeps introspection (GET) and a body-less sync (PUT, no content type) working", async () => {
    const info = await fetch(`${tally.base}/api/inngest`);
    expect(info.status).toBe(200);
    expect(((await info.json()) as { function_count: number }).function_count).toBe(7);
    const sync = await rawRequest(tally.base, "PUT", "/api/inngest", "", {});
    expect(sync.status).toBe(200);
    const registered = apiRequests.find((r) => r.path.startsWith("/fn/register"))!;
    expect(registered.body.url).toBe(`${tally.base}/api/inngest`);
    expect(registered.body.functions.map((f: { id: string }) => f.id).sort()).toEqual(
      [FN, "tally-evaluate-alerts", "tally-handle-support-ticket", "tally-notify-agent-completion", "tally-notify-agent-completion-failure", "tally-score-agent-output", "tally-score-agent-output-failure"].sort(),
    );
  });
});

/** One POST of `body` to the track-costs step, as the executor sends it. */
function post(base: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${base}/api/inngest?fnId=${FN}&stepId=step`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

describe("executor requests the SDK accepts stay accepted", () => {
  let tally: Tally;
  beforeAll(async () => {
    tally = await startTally({ INNGEST_BASE_URL: `http://127.0.0.1:${await closedPort()}` });
  });
  afterAll(() => tally.close());

  const ACCEPTED: { name: string; change: (b: Record<string, Json>) => void; headers?: Record<string, string> }[] = [
    { name: "no version", change: (b) => delete b.version },
    { name: "version -1 (the SDK's choice)", change: (b) => (b.version = -1) },
    { name: "version 1", change: (b) => (b.version = 1) },
    { name: "version 99 when x-inngest-req-version: 2 decides", change: (b) => (b.version = 99), headers: { "x-inngest-req-version": "2" } },
    { name: "ctx.stack null", change: (b) => (b.ctx.stack = null) },
    { name: "ctx.stack.stack null", change: (b) => (b.ctx.stack = { stack: null, current: 0 }) },
    {
      name: "no ctx.stack, SDK-only ctx fields",
      change: (b) => {
        delete b.ctx.stack;
        Object.assign(b.ctx, { fn_id: "f", max_attempts: 4, qi_id: "q" });
      },
    },
    {
      name: "no event.ts",
      change: (b) => {
        delete b.event.ts;
        delete b.events[0].ts;
      },
    },
    { name: "a 200-character ULID-like parent run id of emoji and accents", change: both((d) => (d._inngest.parent_run_id = `👩‍💻é-${"r".repeat(190)}`)) },
  ];
  it.each(ACCEPTED)("$name: the step runs", async ({ change, headers }) => {
    const body = call((b) => {
      change(b);
      b.ctx.run_id = `01ACCEPTED-${Math.random()}`;
    });
    const res = await post(tally.base, body, headers);
    expect(res.status, await res.clone().text()).toBe(206);
    expect(((await res.json()) as { op: string }[]).map((o) => o.op)).toEqual(["StepRun"]);
  });
});

describe("malformed executor requests in production mode", () => {
  it("tell only a call Inngest signed what is wrong with it; a signed well-formed call runs", async () => {
    // The key comes from the configuration alone (readEnv's source), not from process.env.
    expect(process.env.INNGEST_SIGNING_KEY).toBeUndefined();
    const tally = await startTally({ ...PRODUCTION, INNGEST_BASE_URL: `http://127.0.0.1:${await closedPort()}` });
    const sign = (v: unknown) => {
      const body = JSON.stringify(v);
      return { body, headers: { "x-inngest-signature": inngestSignature(body) } };
    };
    const send = (fnId: string, s: { body: string; headers: Record<string, string> }) =>
      fetch(`${tally.base}/api/inngest?fnId=${fnId}&stepId=step`, { method: "POST", headers: { "content-type": "application/json", ...s.headers }, body: s.body });
    try {
      // A current, well-formed signature header whose HMAC does not match: no function name or field is confirmed.
      const forged = { "x-inngest-signature": `t=${Math.round(Date.now() / 1000)}&s=${"0".repeat(64)}` };
      const bad = call(both((d) => (d._inngest.parent_run_id = "")));
      const res = await post(tally.base, bad, forged);
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain("parent_run_id");
      const unknown = await send("no-such-function", { body: JSON.stringify(call()), headers: forged });
      expect(unknown.status).toBe(401);
      // The same malformed call signed by Inngest: a non-retriable 400 naming the field.
      const signedBad = await send(FN, sign(bad));
      expect([signedBad.status, signedBad.headers.get("x-inngest-no-retry")]).toEqual([400, "true"]);
      expect(await signedBad.text()).toContain("parent_run_id");
      // A well-formed call with a wrong signature meets the SDK's signature check.
      expect((await post(tally.base, call(), forged)).status).toBe(401);
      // Without one, the same call gets the SDK's answer before its body is read (test/inngest-gate.test.ts).
      expect((await post(tally.base, call())).status).toBe(401);
      expect(await count(tally, "runs")).toBe(0);
      const signed = await send(FN, sign(call()));
      expect(signed.status, await signed.clone().text()).toBe(206); // the step ran: the usage is recorded
      expect(await count(tally, "runs")).toBe(1);
    } finally {
      await tally.close();
    }
  });
});


describe("a body-less sync (unsigned PUT) in production mode", () => {
  it("registers TALLY_PUBLIC_URL's endpoint, not a caller's Host, scheme or query", async () => {
    const api = await fakeInngestApi();
    const tally = await startTally({ ...PRODUCTION, INNGEST_BASE_URL: api.url, TALLY_PUBLIC_URL: "https://dash.example.com/tally" });
    try {
      const headers = { host: "dash.example.com:6666", "x-forwarded-proto": "http" };
      expect((await rawRequest(tally.base, "PUT", "/api/inngest?url=https://evil.example/x&probe=1", "", headers)).status).toBe(200);
      expect((await rawRequest(tally.base, "PUT", "/api/inngest?deployId=d-1&fnId=x", "", headers)).status).toBe(200);
      const urls = api.requests.filter((r) => r.path.startsWith("/fn/register")).map((r) => (r.body as { url: string }).url);
      // The SDK keeps a sync's deployId in the URL it registers; nothing else of the caller's.
      expect(urls).toEqual(["https://dash.example.com/tally/api/inngest", "https://dash.example.com/tally/api/inngest?deployId=d-1"]);
    } finally {
      await tally.close();
      await api.close();
    }
  });
});
