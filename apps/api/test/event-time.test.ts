import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PARENT, startTally, type Tally } from "./harness.ts";

/** The functions' clock: the deferred event's `ts` below is checked against it, not against the HTTP edge's. */
const CLOCK = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;
const USAGE = { model: "gpt-4o", customerId: "acme", promptTokens: 10, completionTokens: 2 };

// A row's time is the payload's occurredAt, else the deferred event's ts, else now; whichever it is must be
// a time a window can show (2000-01-01 … now + 1 day), checked in the function itself whatever the
// transport (the HTTP edge checks ts against its own clock too: test/executor-requests.test.ts).
describe("the event ts a row falls back to", () => {
  let tally: Tally;
  beforeAll(async () => {
    tally = await startTally({}, { clock: () => CLOCK });
  });
  afterAll(() => tally.close());
  const track = (runId: string, ts: number, input: Record<string, unknown> = {}) =>
    tally.executor.runDeferred({ fnSlug: "tally-track-ai-costs", input: { ...USAGE, ...input } }, { ...PARENT, runId: `parent-${runId}` }, { runId, ts });
  const occurredAt = async (runId: string) =>
    (await tally.db.selectFrom("usage_costs").select("occurred_at").where("run_id", "=", `parent-${runId}`).execute()).map((r) => r.occurred_at);

  it("is refused without retry, naming event.ts, when it lies more than a day ahead of the clock", async () => {
    const out = await track("ts-ahead", CLOCK + DAY + 60_000);
    expect([out.status, out.attempts]).toEqual(["failed", 1]); // the step fails for good: no retry
    expect((out.error as { name: string; message: string }).name).toBe("NonRetriableError");
    expect((out.error as { message: string }).message).toMatch(/^event\.ts \d+ is not a time in epoch ms from 2000-01-01T00:00:00Z to one day ahead/);
    expect(await occurredAt("ts-ahead")).toEqual([]);
    expect(await tally.db.selectFrom("runs").select("run_id").where("run_id", "=", "parent-ts-ahead").execute()).toEqual([]);
  });

  it("is the row's time when it lies in range", async () => {
    const ts = CLOCK + DAY - 1;
    expect((await track("ts-in-range", ts)).status).toBe("completed");
    expect(await occurredAt("ts-in-range")).toEqual([ts]);
  });

  it("is not used when the payload gives occurredAt", async () => {
    const when = CLOCK - 3_600_000;
    expect((await track("ts-overridden", CLOCK + 30 * DAY, { occurredAt: when })).status).toBe("completed");
    expect(await occurredAt("ts-overridden")).toEqual([when]);
  });
});
