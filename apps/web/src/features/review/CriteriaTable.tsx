import type { CriterionRow } from "./lib/prepare-review.ts";
import { ScrollRegion } from "../../components/ScrollRegion.tsx";

const SCALE = [1, 2, 3, 4, 5] as const;

/**
 * One row per criterion: the judge's score and rationale, the reviewer's own score (buttons 1–5, or keys), the
 * other reviewers' scores and the spread of every stored review. The selected criterion is what number keys score.
 */
export function CriteriaTable({ rows, scores, focus, canReview, onScore }: {
  rows: readonly CriterionRow[];
  scores: readonly (number | null)[];
  focus: number;
  canReview: boolean;
  onScore: (index: number, value: number) => void;
}) {
  return (
    <ScrollRegion label="Criteria" hasControls={canReview}>
      <table className="criteria" aria-label="Criteria">
        <thead>
          <tr>
            <th>Criterion</th>
            <th className="num">Judge</th>
            {canReview ? <th>Your score</th> : null}
            <th>Other reviewers</th>
            <th className="num">Spread</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={r.name} data-criterion={r.name} aria-current={canReview && i === focus ? "true" : undefined} className={canReview && i === focus ? "focused" : undefined}>
              <td>
                <strong>{r.name}</strong>
                {r.rationale ? <p className="rationale small muted">{r.rationale}</p> : null}
              </td>
              <td className="num" data-judge={r.judge ?? ""}>
                {r.judge ?? "—"}
              </td>
              {canReview ? (
                <td>
                  <div className="score-buttons" role="group" aria-label={`Your score for ${r.name}`} data-mine={scores[i] ?? ""}>
                    {SCALE.map((v) => (
                      <button key={v} type="button" aria-pressed={scores[i] === v} onClick={() => onScore(i, v)}>
                        {v}
                      </button>
                    ))}
                  </div>
                </td>
              ) : null}
              <td className="small">{r.others.length ? r.others.map((o) => `${o.reviewer}: ${o.rawValue}`).join(", ") : <span className="muted">none yet</span>}</td>
              <td className="num small">
                {r.spread ? `${r.spread.min}–${r.spread.max}, mean ${r.spread.mean.toFixed(1)} (${r.spread.n})` : "—"}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
