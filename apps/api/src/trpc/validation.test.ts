import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDb, type TestDb } from "../queries/test-support.ts";

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb();
});
afterAll(() => t.close());

const from = Date.UTC(2026, 0, 1);
const to = Date.UTC(2026, 0, 31);

/** The procedure call fails with BAD_REQUEST, and the formatted error names `field`. */
async function expectFieldError(call: Promise<unknown>, field: string): Promise<void> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TRPCError);
  expect((err as TRPCError).code).toBe("BAD_REQUEST");
  const issues = ((err as TRPCError).cause as { issues?: { path: PropertyKey[] }[] } | undefined)?.issues ?? [];
  expect(issues.map((i) => i.path.join("."))).toContain(field);
}

describe("invalid input is BAD_REQUEST naming the field", () => {
  it("bad time zone", async () => {
    await expectFieldError(t.caller.overview.summary({ from, to, timeZone: "Mars/Olympus" }), "timeZone");
  });
  it("from > to", async () => {
    await expectFieldError(t.caller.spend.timeseries({ from: to, to: from }), "to");
  });
  it("a series count out of range, and hour buckets over more than 31 days", async () => {
    await expectFieldError(t.caller.spend.timeseries({ from, to, top: 0 }), "top");
    await expectFieldError(t.caller.quality.trend({ from, to: from + 32 * 86_400_000, bucket: "hour" }), "bucket");
    await expect(t.caller.quality.trend({ from, to: from + 31 * 86_400_000, bucket: "hour" })).resolves.toBeTruthy();
  });
  it("a window over 400 days", async () => {
    await expectFieldError(t.caller.quality.trend({ from, to: from + 401 * 86_400_000 }), "to");
  });
  it("unknown sort key", async () => {
    // @ts-expect-error: the point is a sort key the type does not allow
    await expectFieldError(t.caller.spend.byCustomer({ from, to, sort: "revenue" }), "sort");
  });
  it("malformed instants and cursors", async () => {
    await expectFieldError(t.caller.runs.list({ from: "yesterday", to }), "from");
    await expectFieldError(t.caller.runs.list({ from, to, cursor: "garbage" }), "cursor");
    await expectFieldError(t.caller.spend.byModel({ from, to, cursor: "e30" }), "cursor");
    // Well-formed JSON with a fractional or huge number where a bigint column is compared: a 400, not PostgreSQL's 500.
    const forged = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    await expectFieldError(t.caller.runs.list({ from, to, cursor: forged({ s: "time-desc", f: "", k: 1.5, id: "x" }) }), "cursor");
    await expectFieldError(t.caller.runs.list({ from, to, sort: "cost-desc", cursor: forged({ s: "cost-desc", f: "", k: 1e300, id: "x" }) }), "cursor");
    await expectFieldError(t.caller.reviews.queue({ cursor: forged({ t: 1.5, id: "x" }) }), "cursor");
  });
  it("filters that rollups cannot honour, and a threshold off the 0.01 grid", async () => {
    await expectFieldError(t.caller.overview.summary({ from, to, tags: { env: "prod", plan: "pro" } }), "tags");
    await expectFieldError(t.caller.spend.byModel({ from, to, tags: { env: "prod" } }), "tags");
    await expectFieldError(t.caller.quality.costVsQuality({ from, to, scoreName: "accuracy", threshold: 0.725 }), "threshold");
  });
  it("score range without a score name", async () => {
    await expectFieldError(t.caller.runs.list({ from, to, scoreMin: 0.5 }), "scoreName");
  });
});

const LONE = "x\uD800y"; // a lone high surrogate: SQLite's UTF-8 would store it as U+FFFD
/** A key Object.prototype reaches: JSON.parse keeps it as an own property, as a server's body parser does. */
const protoTags = () => JSON.parse('{"__proto__":{"a":"b"},"env":"prod"}') as Record<string, string>;

describe("ill-formed strings, prototype keys and stored rows", () => {
  it("ill-formed strings are refused in every key field, naming it", async () => {
    await expectFieldError(t.caller.overview.summary({ from, to, models: [LONE] }), "models.0");
    await expectFieldError(t.caller.overview.summary({ from, to, customerIds: ["ok", LONE] }), "customerIds.1");
    await expectFieldError(t.caller.runs.list({ from, to, functionSlugs: [LONE] }), "functionSlugs.0");
    await expectFieldError(t.caller.runs.list({ from, to, scoreName: LONE }), "scoreName");
    await expectFieldError(t.caller.quality.trend({ from, to, scoreNames: [LONE] }), "scoreNames.0");
    await expectFieldError(t.caller.quality.compareModels({ from, to, baselineModel: LONE }), "baselineModel");
    await expectFieldError(t.caller.runs.byId({ runId: LONE }), "runId");
    await expectFieldError(t.caller.customers.upsert({ id: LONE, name: "n" }), "id");
    await expectFieldError(t.caller.customers.upsert({ id: "c", name: LONE }), "name");
    await expectFieldError(t.caller.prices.upsert({ model: LONE, inputMicrosPerMtok: 1, outputMicrosPerMtok: 1, effectiveFrom: 0 }), "model");
    await expectFieldError(t.caller.prices.upsert({ model: "m", provider: LONE, inputMicrosPerMtok: 1, outputMicrosPerMtok: 1, effectiveFrom: 0 }), "provider");
    await expectFieldError(t.caller.runs.list({ from, to, tags: { k: LONE } }), "tags.k");
  });

  it("the tags filter refuses prototype keys", async () => {
    await expectFieldError(t.caller.runs.list({ from, to, tags: protoTags() }), "tags.__proto__");
    await expectFieldError(t.caller.runs.list({ from, to, tags: { constructor: "x" } }), "tags.constructor");
  });

  it("an override price is bounded so that a cost stays an exact integer", async () => {
    await expectFieldError(t.caller.prices.upsert({ model: "m", inputMicrosPerMtok: 1e9 + 1, outputMicrosPerMtok: 1, effectiveFrom: 0 }), "inputMicrosPerMtok");
    await expect(t.caller.prices.upsert({ model: "m", inputMicrosPerMtok: 1e9, outputMicrosPerMtok: 1e9, effectiveFrom: 0 })).resolves.toBeDefined();
  });

  it("runs.byId returns only own string-valued tags of a row stored by an older version", async () => {
    await t.db
      .insertInto("runs")
      .values({
        run_id: "old-row",
        function_slug: "f",
        model: "m",
        customer_id: "c",
        ticket_id: null,
        tags: '{"__proto__":{"a":"b"},"ok":"yes","n":5,"nested":{"x":1},"constructor":"c","list":["a"]}',
        occurred_at: from,
        first_seen_at: from,
        scored_at: null,
      })
      .execute();
    const detail = await t.caller.runs.byId({ runId: "old-row" });
    const tags = detail!.run.tags;
    expect(Object.keys(tags)).toEqual(["ok"]);
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
    expect(JSON.stringify(tags)).toBe('{"ok":"yes"}');
  });
});
