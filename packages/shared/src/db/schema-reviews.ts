/**
 * Human review (migration 0012). A scored run that needs a person's eye becomes a review item (one per score
 * evaluation); reviewers label it, several per item. Human labels stay here, apart from the judge's `scores`,
 * so judge rollups stay the judge's; quality reads them to correct trends and measure agreement.
 */
export interface ReviewTables {
  review_items: ReviewItemTable;
  reviews: ReviewTable;
  review_scores: ReviewScoreTable;
  review_sampling: ReviewSamplingTable;
}

export type ReviewItemStatus = "pending" | "reviewed" | "expired";

export interface ReviewItemTable {
  /** The score evaluation's id (its idempotency key): one item per evaluation. */
  id: string;
  run_id: string;
  /** The agent model judged, the run's customer ('' unknown), copied for the queue's filters. */
  model: string;
  customer_id: string;
  judge_model: string;
  rubric_version: string;
  /** `threshold` (a criterion below its review threshold) or `sample` (the random review sample). */
  reason: "threshold" | "sample";
  /** The agent's input and output as the judge saw them (bounded length). */
  input: string | null;
  output: string;
  status: ReviewItemStatus;
  /** When the run was scored (epoch ms): the queue's window. */
  occurred_at: number;
  created_at: number;
  resolved_at: number | null;
}

export interface ReviewTable {
  /** `${item_id}:${reviewer_id}`: one review per reviewer per item; a reviewer's new submission replaces theirs. */
  id: string;
  item_id: string;
  run_id: string;
  reviewer_id: string;
  /** The reviewer's e-mail or API key label at the time. */
  reviewer_label: string;
  /** `bad` notifies the team. */
  verdict: "good" | "bad";
  note: string | null;
  created_at: number;
}

export interface ReviewScoreTable {
  review_id: string;
  /** The criterion (score name). */
  name: string;
  /** The reviewer's score on the judge's scale (1–5) and normalised to 0–1 like `scores.value`. */
  raw_value: number;
  value: number;
}

/** Per score name: the share of scored runs sent to review, and the judge score (1–5) below which a run always is. */
export interface ReviewSamplingTable {
  name: string;
  rate: number;
  /** A criterion scored strictly below this raw value sends the run to review; null: none. */
  threshold: number | null;
  updated_at: number;
  updated_by: string;
}
