import { createHash } from "node:crypto";
import type { Criterion } from "@tally/shared";
import { type JudgeResult, rubricVersion, SCALE } from "./judge.ts";

export const SIMULATED_JUDGE = "tally-simulated-judge";

/**
 * An offline stand-in judge for dev mode without JUDGE_* configured, so the live demo works with no API
 * keys. Its scores are a deterministic hash of the response, and its name says what it is.
 */
export function simulatedJudge(criteria: readonly Criterion[], response: string): JudgeResult {
  const digest = createHash("sha256").update(response).digest();
  return {
    ok: true,
    judgeModel: SIMULATED_JUDGE,
    rubricVersion: rubricVersion(criteria),
    calls: 1,
    usage: {
      input_tokens: 300 + Math.ceil(response.length / 4),
      output_tokens: 40 * criteria.length,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
    },
    verdicts: criteria.map((c, i) => {
      const score = SCALE.min + 1 + ((digest[i] ?? 0) % (SCALE.max - SCALE.min));
      return { criterion: c.name, score, rationale: `Simulated offline verdict (${SIMULATED_JUDGE}); configure JUDGE_* for real scores.` };
    }),
  };
}
