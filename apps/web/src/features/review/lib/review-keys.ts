/**
 * The review form's keyboard, as a pure reducer: a key and the form's state give the next state and what
 * the page must do (move to another item, focus the note, submit). The page listens on the document and
 * hands keys here unless the reader is typing in a field.
 */

export type Verdict = "good" | "bad";

export interface Draft {
  /** The criterion that number keys score (index into the item's criteria). */
  focus: number;
  /** The reviewer's 1–5 score per criterion, in the item's criteria order; null = not set yet. */
  scores: (number | null)[];
  verdict: Verdict | null;
  note: string;
  /** Enter asked "submit?": a second Enter submits, Escape goes back. */
  confirming: boolean;
  /** The key list is open. */
  help: boolean;
}

export type KeyEffect = "next-item" | "previous-item" | "focus-note" | "submit" | null;

/** The keys, as the page shows them. */
export const KEYS: readonly { keys: string; does: string }[] = [
  { keys: "j / ↓", does: "next item" },
  { keys: "k / ↑", does: "previous item" },
  { keys: "1 – 5", does: "score the selected criterion (then the next is selected)" },
  { keys: "← / →", does: "select the previous / next criterion" },
  { keys: "g", does: "verdict good" },
  { keys: "b", does: "verdict bad" },
  { keys: "n", does: "write a note (Escape leaves it)" },
  { keys: "Enter", does: "submit (Enter again to confirm, Escape to cancel)" },
  { keys: "?", does: "show or hide these keys" },
];

export function emptyDraft(criteria: number, from?: { scores: (number | null)[]; verdict: Verdict | null; note: string }): Draft {
  const scores = Array.from({ length: criteria }, (_, i) => from?.scores[i] ?? null);
  return { focus: 0, scores, verdict: from?.verdict ?? null, note: from?.note ?? "", confirming: false, help: false };
}

/** What still stops a submission, in words ("" when none). */
export function missing(draft: Draft, names: readonly string[]): string {
  const unscored = names.filter((_, i) => draft.scores[i] === null);
  const parts = [...(unscored.length ? [`a score for ${unscored.join(", ")}`] : []), ...(draft.verdict ? [] : ["a verdict (g or b)"])];
  return parts.length ? `Needs ${parts.join(" and ")}.` : "";
}

export function canSubmit(draft: Draft): boolean {
  return draft.verdict !== null && draft.scores.every((s) => s !== null);
}

/** A key from the page (not typed in a field): the next draft and the page's effect. Unknown keys change nothing. */
export function pressKey(draft: Draft, key: string): { draft: Draft; effect: KeyEffect; handled: boolean } {
  const n = draft.scores.length;
  const same = { draft, effect: null, handled: false } as const;
  const to = (next: Partial<Draft>, effect: KeyEffect = null) => ({ draft: { ...draft, ...next }, effect, handled: true });
  if (draft.confirming) {
    if (key === "Enter") return to({ confirming: false }, "submit");
    if (key === "Escape") return to({ confirming: false });
    return { draft, effect: null, handled: true }; // nothing else while the question is open
  }
  if (/^[1-5]$/.test(key)) {
    if (n === 0) return same;
    const scores = draft.scores.slice();
    scores[draft.focus] = Number(key);
    return to({ scores, focus: Math.min(draft.focus + 1, n - 1) });
  }
  switch (key) {
    case "j":
    case "ArrowDown":
      return to({}, "next-item");
    case "k":
    case "ArrowUp":
      return to({}, "previous-item");
    case "ArrowRight":
      return n ? to({ focus: (draft.focus + 1) % n }) : same;
    case "ArrowLeft":
      return n ? to({ focus: (draft.focus - 1 + n) % n }) : same;
    case "g":
      return to({ verdict: "good" });
    case "b":
      return to({ verdict: "bad" });
    case "n":
      return to({}, "focus-note");
    case "Enter":
      return canSubmit(draft) ? to({ confirming: true }) : to({});
    case "?":
      return to({ help: !draft.help });
    case "Escape":
      return draft.help ? to({ help: false }) : same;
    default:
      return same;
  }
}
