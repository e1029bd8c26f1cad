import { type Agreement, agreementSteps, BOOTSTRAP_RESAMPLES, JUDGE_SCALE, type RatingPair } from "@tally/shared";
import { TRPCError } from "@trpc/server";
import type { Db } from "@tally/shared/db";
import { type AggregateFilter, effectiveWindow, num, type Window } from "./common.ts";
import { reviewedScores } from "./reviewed-scores.ts";

/**
 * Judge–human agreement (issue 19), read from the raw review rows (`reviewedScores`). A pair is one stored
 * review's score of a criterion against the judge's score of that criterion on the same evaluation: several
 * reviewers of one item give several pairs. Pairs are grouped per score name × judge model × rubric version.
 */

/** A rubric version is flagged when its kappa is below this over at least FLAG_MIN_PAIRS pairs. */
export const FLAG_KAPPA = 0.4;
export const FLAG_MIN_PAIRS = 30;
export const AGREEMENT_METHOD = `95% intervals: percentile bootstrap over reviewed items, ${BOOTSTRAP_RESAMPLES.toLocaleString("en-US")} seeded resamples`;

export interface AgreementRow extends Omit<Agreement, "n"> {
  name: string;
  judgeModel: string;
  rubricVersion: string;
  /** Judge–reviewer pairs. */
  n: number;
  /** kappa < FLAG_KAPPA with n ≥ FLAG_MIN_PAIRS. */
  flagged: boolean;
  /** The reviewed items of this judge model and rubric version where a reviewer's score of this name differs from the judge's, in the Review page (the page lays the window, model and customer over it). */
  disagreementsLink: string;
}

export interface AgreementAnswer {
  window: Window;
  method: string;
  rows: AgreementRow[];
}

/** Every judge–reviewer pair in the filter, with its group. */
async function agreementPairs(
  db: Db,
  f: AggregateFilter & { scoreNames?: string[] | undefined },
  w: Window,
): Promise<(RatingPair & { name: string; judgeModel: string; rubricVersion: string })[]> {
  const rows = await reviewedScores(db, f, w)
    .select(["r.id as review", "r.item_id as item", "s.name as name", "s.judge_model as judge_model", "s.rubric_version as rubric_version", "s.raw_value as judge", "rs.raw_value as human"])
    .execute();
  const onScale = (v: number) => Number.isInteger(v) && v >= JUDGE_SCALE.min && v <= JUDGE_SCALE.max;
  // In one order on every engine (code units, not a collation): the seeded bootstrap resamples pairs by position.
  const keyed = rows.map((r) => ({ r, key: `${r.review}\u0000${r.name}` }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed
    .map(({ r }) => ({
      item: r.item,
      name: r.name,
      judgeModel: r.judge_model ?? "",
      rubricVersion: r.rubric_version ?? "",
      judge: num(r.judge),
      human: num(r.human),
    }))
    .filter((p) => onScale(p.judge) && onScale(p.human));
}

/** Runs `agreementSteps` to its end, giving the event loop a turn at each pause: other requests run meanwhile. */
async function agreementYielding(pairs: RatingPair[]): Promise<Agreement> {
  const steps = agreementSteps(pairs);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resume) => setImmediate(resume));
  }
}

/** The agreement being computed in this process: each waits for the one before (`getAgreement`). */
let agreementTurn: Promise<unknown> = Promise.resolve();
/** At most this many agreements wait or run in this process (two batches of 20 calls); more is a 429. */
export const AGREEMENT_QUEUE = 40;
let queued = 0;
/** Per database, the questions waiting or running: asked again meanwhile, one shares the other's answer. */
const asked = new WeakMap<Db, Map<string, Promise<AgreementAnswer>>>();

/**
 * One agreement at a time per process, each giving the event loop a turn every few milliseconds: a batch of
 * 20 calls (each ~90 ms of bootstrap on the demo's reviews) takes as long as before, but other requests are
 * answered in between instead of after it (run together, the calls' chunks added up to 0.6 s stalls). The
 * same question asked while it waits or runs shares its answer, and past AGREEMENT_QUEUE distinct ones the
 * call is refused (TOO_MANY_REQUESTS), so no client can queue unbounded work the others wait behind.
 */
export function getAgreement(db: Db, f: AggregateFilter & { scoreNames?: string[] | undefined }): Promise<AgreementAnswer> {
  const pending = asked.get(db) ?? asked.set(db, new Map()).get(db)!;
  const key = JSON.stringify(f);
  const same = pending.get(key);
  if (same) return same;
  if (queued >= AGREEMENT_QUEUE) {
    return Promise.reject(new TRPCError({ code: "TOO_MANY_REQUESTS", message: `${AGREEMENT_QUEUE} agreement calculations are already waiting: try again in a few seconds` }));
  }
  queued++;
  const run = agreementTurn.then(() => computeAgreement(db, f)).finally(() => {
    queued--;
    pending.delete(key);
  });
  pending.set(key, run);
  agreementTurn = run.catch(() => undefined); // a refused call does not hold up the next
  return run;
}

async function computeAgreement(db: Db, f: AggregateFilter & { scoreNames?: string[] | undefined }): Promise<AgreementAnswer> {
  const w = effectiveWindow(f);
  const groups = new Map<string, { name: string; judgeModel: string; rubricVersion: string; pairs: RatingPair[] }>();
  for (const p of await agreementPairs(db, f, w)) {
    const key = JSON.stringify([p.name, p.judgeModel, p.rubricVersion]);
    const g = groups.get(key) ?? { name: p.name, judgeModel: p.judgeModel, rubricVersion: p.rubricVersion, pairs: [] };
    g.pairs.push(p);
    groups.set(key, g);
  }
  const rows: AgreementRow[] = [];
  const sorted = [...groups.values()].sort((a, b) => a.name.localeCompare(b.name) || a.judgeModel.localeCompare(b.judgeModel) || a.rubricVersion.localeCompare(b.rubricVersion));
  for (const { name, judgeModel, rubricVersion, pairs } of sorted) {
    const a = await agreementYielding(pairs);
    rows.push({
      name,
      judgeModel,
      rubricVersion,
      ...a,
      flagged: a.kappa !== null && a.kappa.value < FLAG_KAPPA && a.n >= FLAG_MIN_PAIRS,
      disagreementsLink: `/review?${new URLSearchParams({ status: "reviewed", scoreName: name, ...(judgeModel && { judgeModel }), ...(rubricVersion && { rubricVersion }), disagree: "1" })}`,
    });
  }
  return { window: w, method: AGREEMENT_METHOD, rows };
}
