import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH, startTally, type Tally } from "./harness.ts";

// Inputs at and past the edges an attacker reaches for, over HTTP: instants past year 9999 (a zone's offset
// there is no Date), bytes that are not UTF-8 in a tRPC body, a CSV export whose filter the query itself
// refuses, a filter the statement does not take. Each is a 400 naming the problem; the server keeps answering.
const LAST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
let tally: Tally;
beforeAll(async () => {
  tally = await startTally();
});
afterAll(() => tally.close());

const query = (path: string, input: unknown) => fetch(`${tally.base}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH, signal: AbortSignal.timeout(10_000) });
const healthy = async () => expect((await fetch(`${tally.base}/healthz`, { signal: AbortSignal.timeout(5_000) })).status).toBe(200);

describe("instants", () => {
  it("past 9999-12-31 are a 400 naming the field, in every zone and procedure (no endless walk over offsets)", async () => {
    const far = { from: 8_639_997_408_000_000, to: 8_640_000_000_000_000, timeZone: "Asia/Kolkata" };
    for (const [path, extra] of [["spend.timeseries", { bucket: "day", splitBy: "model" }], ["spend.byCustomer", {}], ["quality.trend", { bucket: "day" }]] as const) {
      const res = await query(path, { ...far, ...extra });
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as { error: { data: { zodError: { fieldErrors: Record<string, string[]> } } } };
      expect(body.error.data.zodError.fieldErrors).toMatchObject({ from: ["after 9999-12-31"], to: ["after 9999-12-31"] });
    }
    const csv = await fetch(`${tally.base}/api/export/spend-by-model.csv?input=${encodeURIComponent(JSON.stringify(far))}`, { headers: AUTH, signal: AbortSignal.timeout(10_000) });
    expect(csv.status).toBe(400);
    await healthy();
  });

  it("the last 30 days before the limit answer, in a zone ahead of UTC", async () => {
    const edge = { from: LAST_MS + 1 - 30 * 86_400_000, to: LAST_MS, timeZone: "Pacific/Kiritimati" };
    const res = await query("spend.timeseries", { ...edge, bucket: "day", splitBy: "customer" });
    expect(res.status, await res.clone().text()).toBe(200);
    const { result } = (await res.json()) as { result: { data: { buckets: unknown[]; series: unknown[] } } };
    expect(result.data.series).toEqual([]);
    expect(result.data.buckets.length).toBeGreaterThanOrEqual(30);
  });

  it("before 1970 (an ISO date of year 0001) is a 400 too", async () => {
    const res = await query("spend.byModel", { from: "0001-01-01T00:00:00Z", to: "0001-01-02T00:00:00Z" });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("before 1970-01-01");
  });
});

describe("a tRPC body that is not UTF-8", () => {
  it("is a 400 and nothing is stored (the bytes are never replaced by U+FFFD)", async () => {
    const bytes = Buffer.concat([Buffer.from('{"id":"caf'), Buffer.from([0xe9]), Buffer.from('","name":"Caf'), Buffer.from([0xe9]), Buffer.from(' Ltd"}')]);
    const res = await fetch(`${tally.base}/api/trpc/customers.upsert`, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: bytes });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("request body is not valid UTF-8");
    expect(await tally.db.selectFrom("customers").select("id").where("id", "like", "caf%").execute()).toEqual([]);
    // The same customer in valid UTF-8 is stored as sent.
    const ok = await fetch(`${tally.base}/api/trpc/customers.upsert`, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify({ id: "café", name: "Café Ltd" }) });
    expect(ok.status, await ok.clone().text()).toBe(200);
    expect(await tally.db.selectFrom("customers").select(["id", "name"]).where("id", "like", "caf%").execute()).toEqual([{ id: "café", name: "Café Ltd" }]);
  });
});

describe("a CSV export whose filter the query refuses", () => {
  it("is a 400 naming the field, not a download cut off mid-way", async () => {
    const input = { from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1), tags: { nope: "x" } };
    for (const table of ["spend-by-model", "spend-by-customer"]) {
      const res = await fetch(`${tally.base}/api/export/${table}.csv?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH });
      expect(res.status, table).toBe(400);
      expect(res.headers.get("content-disposition")).toBeNull();
      expect(await res.json()).toEqual({ error: "tag 'nope' is not a promoted tag (TALLY_TAG_KEYS)", fieldErrors: { tags: ["tag 'nope' is not a promoted tag (TALLY_TAG_KEYS)"] } });
    }
    await healthy();
  });
});

describe("the monthly statement", () => {
  it("is one whole customer's month: a filter it does not take is a 400 naming it, not silently ignored", async () => {
    for (const extra of [{ models: ["gpt-4o"] }, { functionSlugs: ["no-such-fn"] }, { tags: { plan: "pro" } }]) {
      const input = { customerId: "acme", month: "2026-11", timeZone: "UTC", ...extra };
      const res = await query("spend.statement", input);
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(await res.text()).toContain(Object.keys(extra)[0]);
      const csv = await fetch(`${tally.base}/api/export/statement.csv?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH });
      expect(csv.status).toBe(400);
      expect(((await csv.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors).toHaveProperty(Object.keys(extra)[0]!);
    }
    expect((await query("spend.statement", { customerId: "acme", month: "2026-11", timeZone: "UTC" })).status).toBe(200);
  });
});

describe("a monthly budget", () => {
  it("of $0 is a 400 naming the field (no budget is null); the smallest amount above is kept", async () => {
    const upsert = (monthlyBudgetMicros: number | null) =>
      fetch(`${tally.base}/api/trpc/customers.upsert`, { method: "POST", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify({ id: "zero", name: "Zero Ltd", monthlyBudgetMicros }) });
    const zero = await upsert(0);
    expect(zero.status).toBe(400);
    expect(((await zero.json()) as { error: { data: { zodError: { fieldErrors: Record<string, string[]> } } } }).error.data.zodError.fieldErrors).toEqual({
      monthlyBudgetMicros: ["a monthly budget is more than $0: send null for no budget"],
    });
    expect((await upsert(1)).status).toBe(200);
    expect((await upsert(null)).status).toBe(200);
    expect(await tally.db.selectFrom("customers").select("monthly_budget_micros").where("id", "=", "zero").executeTakeFirst()).toEqual({ monthly_budget_micros: null });
  });
});
