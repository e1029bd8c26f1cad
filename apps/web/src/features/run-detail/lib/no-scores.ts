/** Why a run has no scores, from its evaluations' statuses (run.byId), in words for the empty Scores card. Pure. */
export function noScoresReason(evaluations: readonly { status: string }[]): string {
  const has = (s: string) => evaluations.some((e) => e.status === s);
  if (has("failed")) return "The judge failed; see the evaluation below.";
  if (has("judge_budget")) return "Skipped: the day's judge budget was reached when this run came to be scored. Not judged, so no score (never a zero).";
  if (has("not_sampled")) return "Not sampled: this run fell outside the judge's sample rate (Settings → Judge sampling). Not judged, so no score (never a zero).";
  return 'Call defer("score", { response, model }) from the parent function to have this output judged.';
}
