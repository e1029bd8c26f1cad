import { type Agreement, agreement, BOOTSTRAP_RESAMPLES, JUDGE_SCALE, type RatingPair } from "@tally/shared";
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
  const key = (r: { review: string; name: string }) => `${r.review}\u0000${r.name}`;
  rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return rows
    .map((r) => ({
      item: r.item,
      name: r.name,
      judgeModel: r.judge_model ?? "",
      rubricVersion: r.rubric_version ?? "",
      judge: num(r.judge),
      human: num(r.human),
    }))
    .filter((p) => onScale(p.judge) && onScale(p.human));
}

export async function getAgreement(db: Db, f: AggregateFilter & { scoreNames?: string[] | undefined }): Promise<AgreementAnswer> {
  const w = effectiveWindow(f);
  const groups = new Map<string, { name: string; judgeModel: string; rubricVersion: string; pairs: RatingPair[] }>();
  for (const p of await agreementPairs(db, f, w)) {
    const key = JSON.stringify([p.name, p.judgeModel, p.rubricVersion]);
    const g = groups.get(key) ?? { name: p.name, judgeModel: p.judgeModel, rubricVersion: p.rubricVersion, pairs: [] };
    g.pairs.push(p);
    groups.set(key, g);
  }
  const rows = [...groups.values()]
    .sort((a, b) => a.name.localeCompare(b.name) || a.judgeModel.localeCompare(b.judgeModel) || a.rubricVersion.localeCompare(b.rubricVersion))
    .map(({ name, judgeModel, rubricVersion, pairs }): AgreementRow => {
      const a = agreement(pairs);
      return {
        name,
        judgeModel,
        rubricVersion,
        ...a,
        flagged: a.kappa !== null && a.kappa.value < FLAG_KAPPA && a.n >= FLAG_MIN_PAIRS,
        disagreementsLink: `/review?${new URLSearchParams({ status: "reviewed", scoreName: name, ...(judgeModel && { judgeModel }), ...(rubricVersion && { rubricVersion }), disagree: "1" })}`,
      };
    });
  return { window: w, method: AGREEMENT_METHOD, rows };
}
