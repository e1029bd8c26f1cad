import { randomUUID } from "node:crypto";
import { NonRetriableError, RetryAfterError } from "inngest";
import type { Db } from "@tally/shared/db";

/** A side effect that is paid for or seen (the judge call, the Slack post, an alert's send), per record key. */
export interface ClaimRef {
  kind: "judge" | "slack" | "alert";
  /** The record's key (the evaluation's, the notification's, the alert notification's id). */
  key: string;
  /** The parent run, so forgetting a run removes its claims ('' for an alert: no run). */
  runId: string;
}

/** Another delivery holds the claim: retry when its lease ends (not a failure of the side effect itself). */
export class ClaimHeld extends RetryAfterError {}

export interface ClaimOptions {
  /** The longest the side effect can take (its own timeouts): the holder's lease is this plus LEASE_MARGIN_MS. */
  longestMs: number;
  /** The function's clock, epoch ms. */
  now: number;
  /** Whether the outcome is already recorded (another delivery finished first): then nothing is done. */
  recorded: () => Promise<boolean>;
}

/** How long past the side effect's own timeouts a holder keeps its claim before another delivery may assume it died. */
export const LEASE_MARGIN_MS = 30_000;

/** Attempts at taking a claim over from a holder whose lease ran out, when others race for it too. */
const TAKEOVER_TRIES = 3;

/**
 * Does `act` at most once across overlapping deliveries of one record, and answers its result; null when the
 * outcome is already recorded; a claim on the key held for another run refuses the delivery (NonRetriableError:
 * a key reused across facts). A delivery that finds another's live lease is retried by Inngest when that lease
 * ends (RetryAfterError): by then the other has recorded (null), kept its result (reused, not done again), or
 * died (its lease ran out: this delivery acts). A failed `act` gives the claim up so a retry may act at once.
 * Call it inside a step, and `endClaim` once the outcome is recorded.
 */
export async function onceAcrossDeliveries<T>(db: Db, ref: ClaimRef, opts: ClaimOptions, act: () => Promise<T>): Promise<T | null> {
  const owner = randomUUID();
  const claim = await takeClaim<T>(db, ref, owner, opts);
  if (claim.state === "result") return claim.result;
  if (await opts.recorded()) {
    await release(db, ref, owner);
    return null;
  }
  let result: T;
  try {
    result = await act();
  } catch (error) {
    await release(db, ref, owner);
    throw error;
  }
  await db
    .updateTable("side_effect_claims")
    .set({ result: JSON.stringify(result) })
    .where("kind", "=", ref.kind)
    .where("key", "=", ref.key)
    .where("owner", "=", owner)
    .execute();
  return result;
}

/** The run whose claim holds the key when it is not `ref.runId` (the key reused across runs: ref's is refused), else null. */
export async function otherRunHolding(db: Db, ref: ClaimRef): Promise<string | null> {
  const held = await db.selectFrom("side_effect_claims").select("run_id").where("kind", "=", ref.kind).where("key", "=", ref.key).executeTakeFirst();
  return held && held.run_id !== ref.runId ? held.run_id : null;
}

/** What a key held for another run is, in the refusal and in the refused run's failure handler. */
export const keyInUse = (ref: ClaimRef, heldBy: string) => `idempotencyKey "${ref.key}" is in use for run "${heldBy}", not "${ref.runId}"`;

/** Removes the claim once its outcome is recorded (the record is what later deliveries find). */
export async function endClaim(db: Db, ref: Pick<ClaimRef, "kind" | "key">): Promise<void> {
  await db.deleteFrom("side_effect_claims").where("kind", "=", ref.kind).where("key", "=", ref.key).execute();
}

type Taken<T> = { state: "mine" } | { state: "result"; result: T };

async function takeClaim<T>(db: Db, ref: ClaimRef, owner: string, opts: ClaimOptions): Promise<Taken<T>> {
  const leaseUntil = opts.now + opts.longestMs + LEASE_MARGIN_MS;
  const inserted = await db
    .insertInto("side_effect_claims")
    .values({ kind: ref.kind, key: ref.key, run_id: ref.runId, owner, lease_until: leaseUntil, result: null })
    .onConflict((oc) => oc.columns(["kind", "key"]).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { state: "mine" };
  for (let tries = 0; tries < TAKEOVER_TRIES; tries++) {
    const held = await db
      .selectFrom("side_effect_claims")
      .select(["run_id", "owner", "lease_until", "result"])
      .where("kind", "=", ref.kind)
      .where("key", "=", ref.key)
      .executeTakeFirst();
    if (!held) return takeClaim(db, ref, owner, opts);
    // A key in use for another run is a key reused across facts: refused, never another run's result.
    if (held.run_id !== ref.runId) throw new NonRetriableError(`${keyInUse(ref, held.run_id)}: use one key per fact`);
    if (held.result !== null) return { state: "result", result: JSON.parse(held.result) as T };
    const leaseEnds = Number(held.lease_until);
    if (leaseEnds > opts.now) throw heldElsewhere(ref, leaseEnds - opts.now);
    // The holder's lease ran out (it died or hangs): take the claim over, unless another delivery did first.
    const taken = await db
      .updateTable("side_effect_claims")
      .set({ owner, lease_until: leaseUntil })
      .where("kind", "=", ref.kind)
      .where("key", "=", ref.key)
      .where("owner", "=", held.owner)
      .where("result", "is", null)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) > 0) return { state: "mine" };
  }
  throw heldElsewhere(ref, 1_000);
}

async function release(db: Db, ref: ClaimRef, owner: string): Promise<void> {
  await db.deleteFrom("side_effect_claims").where("kind", "=", ref.kind).where("key", "=", ref.key).where("owner", "=", owner).execute();
}

function heldElsewhere(ref: ClaimRef, waitMs: number): ClaimHeld {
  const what = ref.kind === "judge" ? "the judge call" : ref.kind === "slack" ? "the Slack post" : "the alert's send";
  return new ClaimHeld(
    `${what} for "${ref.key}" is under way in another delivery of this run: retrying once it has recorded or its lease ends`,
    Math.max(1_000, Math.ceil(waitMs)),
  );
}
