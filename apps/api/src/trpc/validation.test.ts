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
  });
  it("filters that rollups cannot honour, and a threshold off the 0.01 grid", async () => {
    await expectFieldError(t.caller.overview.summary({ from, to, functionSlugs: ["x"] }), "functionSlugs");
    await expectFieldError(t.caller.spend.byModel({ from, to, tags: { env: "prod" } }), "tags");
    await expectFieldError(t.caller.quality.costVsQuality({ from, to, scoreName: "accuracy", threshold: 0.725 }), "threshold");
  });
  it("score range without a score name", async () => {
    await expectFieldError(t.caller.runs.list({ from, to, scoreMin: 0.5 }), "scoreName");
  });
});
