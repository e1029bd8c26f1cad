import { NonRetriableError, RetryAfterError } from "inngest";
import { connect, type Db } from "@tally/shared/db";
import { testDatabaseUrl, testEngine } from "@tally/shared/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClaimRef, endClaim, onceAcrossDeliveries } from "./claim.ts";

// Overlapping deliveries of one record (two API instances, a retry racing a slow first attempt) through two
// handles on one database: the paid or visible side effect happens once; the others wait, reuse it, or find it
// recorded; a holder that died is replaced once its lease ends.
let db: Db;
let other: Db;
beforeAll(async () => {
  const url = await testDatabaseUrl();
  db = await connect({ url });
  other = await connect({ url });
});
afterAll(async () => {
  await db.destroy();
  await other.destroy();
});

const T = Date.UTC(2026, 11, 6, 12);
// The side effect's own longest time, and the lease it gives: that plus the 30 s margin.
const LONGEST = 30_000;
const LEASE = 60_000;
const notRecorded = async () => false;
const claims = () => db.selectFrom("side_effect_claims").selectAll().orderBy("key").execute();
const outcome = (p: Promise<unknown>) =>
  p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

describe(`onceAcrossDeliveries (${testEngine()})`, () => {
  it("eight overlapping deliveries make one call; the rest are asked to retry when the lease ends", async () => {
    const ref: ClaimRef = { kind: "judge", key: "eval-overlap", runId: "run-1" };
    let calls = 0;
    let finish!: (v: number) => void;
    const act = () => {
      calls++;
      return new Promise<number>((r) => (finish = r));
    };
    const first = onceAcrossDeliveries(db, ref, { longestMs: LONGEST, now: T, recorded: notRecorded }, act);
    await expect.poll(() => calls).toBe(1);
    const rest = await Promise.all(
      Array.from({ length: 7 }, (_, i) => outcome(onceAcrossDeliveries(i % 2 ? db : other, ref, { longestMs: LONGEST, now: T + 10_000, recorded: notRecorded }, act))),
    );
    for (const r of rest) {
      expect(r).toHaveProperty("error");
      const error = (r as { error: unknown }).error;
      expect(error).toBeInstanceOf(RetryAfterError);
      // The wait is what is left of the holder's lease: 60 s from T, asked at T + 10 s.
      expect((error as RetryAfterError).retryAfter).toBe(String((LEASE - 10_000) / 1000));
    }
    finish(42);
    expect(await first).toBe(42);
    // Its result is kept until the record is written: a later delivery reuses it without a call.
    expect(await onceAcrossDeliveries(other, ref, { longestMs: LONGEST, now: T + 20_000, recorded: notRecorded }, act)).toBe(42);
    expect(calls).toBe(1);
    await endClaim(db, ref);
    expect(await claims()).toEqual([]);
  });

  it("an outcome already recorded is neither done nor claimed", async () => {
    const ref: ClaimRef = { kind: "slack", key: "note-recorded", runId: "run-2" };
    let calls = 0;
    const result = await onceAcrossDeliveries(db, ref, { longestMs: LONGEST, now: T, recorded: async () => true }, async () => ++calls);
    expect(result).toBeNull();
    expect(calls).toBe(0);
    expect(await claims()).toEqual([]);
  });

  it("a failed call gives the claim up, so the retry calls at once", async () => {
    const ref: ClaimRef = { kind: "judge", key: "eval-fails", runId: "run-3" };
    const failing = onceAcrossDeliveries(db, ref, { longestMs: LONGEST, now: T, recorded: notRecorded }, async () => {
      throw new Error("judge answered 503");
    });
    await expect(failing).rejects.toThrow("judge answered 503");
    expect(await claims()).toEqual([]);
    expect(await onceAcrossDeliveries(other, ref, { longestMs: LONGEST, now: T + 1, recorded: notRecorded }, async () => "second")).toBe("second");
    await endClaim(db, ref);
  });

  it("a holder that died is replaced when its lease ends, once, whoever races for it", async () => {
    const ref: ClaimRef = { kind: "judge", key: "eval-dead", runId: "run-4" };
    await db.insertInto("side_effect_claims").values({ kind: "judge", key: ref.key, run_id: ref.runId, owner: "dead", lease_until: T, result: null }).execute();
    // Still live a millisecond before its end.
    await expect(onceAcrossDeliveries(db, ref, { longestMs: LONGEST, now: T - 1, recorded: notRecorded }, async () => "early")).rejects.toBeInstanceOf(RetryAfterError);
    let calls = 0;
    const racers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        outcome(
          onceAcrossDeliveries(i % 2 ? db : other, ref, { longestMs: LONGEST, now: T, recorded: notRecorded }, async () => {
            calls++;
            await new Promise((r) => setTimeout(r, 50));
            return `taker-${i}`;
          }),
        ),
      ),
    );
    expect(calls).toBe(1);
    const taken = racers.filter((r) => "value" in r);
    expect(taken).toHaveLength(1);
    const rows = await claims();
    expect(rows.map((r) => ({ owner: r.owner === "dead", lease: Number(r.lease_until), result: r.result }))).toEqual([
      { owner: false, lease: T + LEASE, result: JSON.stringify((taken[0] as { value: string }).value) },
    ]);
    await endClaim(db, ref);
  });

  it("a key held for another run is refused, naming both runs, whether its result is kept or still coming", async () => {
    const ref: ClaimRef = { kind: "judge", key: "eval-shared", runId: "run-a" };
    expect(await onceAcrossDeliveries(db, ref, { longestMs: LONGEST, now: T, recorded: notRecorded }, async () => "a's verdict")).toBe("a's verdict");
    let calls = 0;
    const runB = () => onceAcrossDeliveries(other, { ...ref, runId: "run-b" }, { longestMs: LONGEST, now: T + 1, recorded: notRecorded }, async () => ++calls);
    await expect(runB()).rejects.toThrow('idempotencyKey "eval-shared" is in use for run "run-a", not "run-b": use one key per fact');
    await expect(runB()).rejects.toBeInstanceOf(NonRetriableError);
    expect(calls).toBe(0);
    await endClaim(db, ref);
    // Still coming: run-a's call under way, run-b is refused at once (not asked to wait for it).
    let finish!: () => void;
    const a = onceAcrossDeliveries(db, ref, { longestMs: LONGEST, now: T, recorded: notRecorded }, () => new Promise<string>((r) => (finish = () => r("later"))));
    await expect.poll(async () => (await claims()).length).toBe(1);
    await expect(runB()).rejects.toBeInstanceOf(NonRetriableError);
    finish();
    expect(await a).toBe("later");
    await endClaim(db, ref);
  });

  it("the kinds are apart: one key's judge claim does not hold its Slack post", async () => {
    const key = "shared-key";
    let finish!: () => void;
    const judging = onceAcrossDeliveries(db, { kind: "judge", key, runId: "run-5" }, { longestMs: LONGEST, now: T, recorded: notRecorded }, () => new Promise<string>((r) => (finish = () => r("verdict"))));
    await expect.poll(async () => (await claims()).length).toBe(1);
    expect(await onceAcrossDeliveries(other, { kind: "slack", key, runId: "run-5" }, { longestMs: LONGEST, now: T, recorded: notRecorded }, async () => 200)).toBe(200);
    finish();
    expect(await judging).toBe("verdict");
    for (const kind of ["judge", "slack"] as const) await endClaim(db, { kind, key });
    expect(await claims()).toEqual([]);
  });
});
