import { useUrlText } from "../../lib/use-url-text.ts";
import { score } from "../../lib/format.ts";
import type { CompareRow } from "./lib/prepare-quality.ts";

/** The smallest difference worth calling (`?minDiff=`, a score difference 0–1; 0 when absent). */
export interface MinDiff {
  value: number;
  /** Why the URL's value was not taken, naming the field. */
  error: string | null;
}

export function parseMinDiff(raw: string | null): MinDiff {
  if (raw === null || raw.trim() === "") return { value: 0, error: null };
  const v = Number(raw);
  return Number.isFinite(v) && v >= 0 && v <= 1 ? { value: v, error: null } : { value: 0, error: `minDiff must be a number from 0 to 1 (got "${raw}")` };
}

export function MinDiffInput({ minDiff, onChange }: { minDiff: MinDiff; onChange: (value: number | null) => void }) {
  const [text, setText] = useUrlText(String(minDiff.value), (t, url) => !parseMinDiff(t).error && parseMinDiff(t).value === Number(url));
  // A value being typed that is not taken is said at once; else the URL's own problem, if any.
  const error = parseMinDiff(text).error ?? minDiff.error;
  return (
    <label className="row small muted">
      Minimum difference
      <input
        type="number"
        aria-label="Minimum difference worth calling"
        min={0}
        max={1}
        step={0.01}
        style={{ width: 72 }}
        value={text}
        aria-invalid={parseMinDiff(text).error !== null}
        onChange={(e) => {
          setText(e.target.value);
          const m = parseMinDiff(e.target.value);
          if (!m.error) onChange(m.value || null);
        }}
      />
      {error ? <span role="alert">{error}</span> : null}
    </label>
  );
}

const signed = (v: number) => `${v > 0 ? "+" : v < 0 ? "−" : "±"}${score(Math.abs(v))}`;

/** Effect size against the baseline with its 95% interval, and the Holm-adjusted p-value. */
export function DiffCell({ row }: { row: CompareRow }) {
  const interval = row.diffLow !== null && row.diffHigh !== null ? ` (${signed(row.diffLow)} to ${signed(row.diffHigh)})` : "";
  return (
    <>
      <td className="num" data-cell="diff">{row.isBaseline || row.diff === null ? "—" : `${signed(row.diff)}${interval}`}</td>
      <td className="num" data-cell="holm-p">{row.pAdjusted === null ? "—" : row.pAdjusted < 0.001 ? "< 0.001" : row.pAdjusted.toFixed(3)}</td>
    </>
  );
}
