import { describe, expect, it } from "vitest";
import { canSubmit, type Draft, emptyDraft, missing, pressKey } from "./review-keys.ts";

/** Presses keys in order; returns the last draft and every effect asked for. */
function press(draft: Draft, keys: string[]): { draft: Draft; effects: string[] } {
  const effects: string[] = [];
  for (const k of keys) {
    const r = pressKey(draft, k);
    draft = r.draft;
    if (r.effect) effects.push(r.effect);
  }
  return { draft, effects };
}

describe("the review keyboard", () => {
  it("scores criteria in order: a number sets the selected criterion and selects the next", () => {
    const { draft } = press(emptyDraft(3), ["4", "2", "5"]);
    expect(draft.scores).toEqual([4, 2, 5]);
    expect(draft.focus).toBe(2); // stays on the last criterion
    const again = press(draft, ["1"]).draft;
    expect(again.scores).toEqual([4, 2, 1]);
  });

  it("moves the selection with the arrows, wrapping at either end", () => {
    expect(press(emptyDraft(3), ["ArrowLeft"]).draft.focus).toBe(2);
    expect(press(emptyDraft(3), ["ArrowRight", "ArrowRight", "ArrowRight"]).draft.focus).toBe(0);
    expect(press(emptyDraft(3), ["ArrowRight", "3"]).draft.scores).toEqual([null, 3, null]);
  });

  it("ignores 0, 6 and letters it does not know; a number does nothing without criteria", () => {
    const d = emptyDraft(2);
    for (const k of ["0", "6", "x", "Tab"]) expect(pressKey(d, k)).toEqual({ draft: d, effect: null, handled: false });
    expect(pressKey(emptyDraft(0), "3").handled).toBe(false);
  });

  it("sets the verdict with g and b, asks the page to move with j/k and the arrows, and to focus the note with n", () => {
    expect(press(emptyDraft(1), ["g"]).draft.verdict).toBe("good");
    expect(press(emptyDraft(1), ["g", "b"]).draft.verdict).toBe("bad");
    expect(press(emptyDraft(1), ["j", "ArrowDown", "k", "ArrowUp", "n"]).effects).toEqual(["next-item", "next-item", "previous-item", "previous-item", "focus-note"]);
  });

  it("submits only after Enter twice on a complete draft; Escape cancels the question; other keys wait", () => {
    const incomplete = press(emptyDraft(2), ["3", "Enter"]);
    expect(incomplete.draft.confirming).toBe(false);
    expect(incomplete.effects).toEqual([]);
    expect(missing(incomplete.draft, ["accuracy", "tone"])).toBe("Needs a score for tone and a verdict (g or b).");

    const ready = press(emptyDraft(2), ["3", "4", "b", "Enter"]).draft;
    expect(ready.confirming).toBe(true);
    expect(canSubmit(ready)).toBe(true);
    expect(missing(ready, ["accuracy", "tone"])).toBe("");
    // While the question is open, a number or a move changes nothing.
    expect(press(ready, ["1", "j"]).draft).toEqual(ready);
    expect(press(ready, ["Escape"]).draft.confirming).toBe(false);
    const done = press(ready, ["Enter"]);
    expect(done.effects).toEqual(["submit"]);
    expect(done.draft.confirming).toBe(false);
  });

  it("toggles the key list with ?, and Escape closes it", () => {
    expect(press(emptyDraft(1), ["?"]).draft.help).toBe(true);
    expect(press(emptyDraft(1), ["?", "?"]).draft.help).toBe(false);
    expect(press(emptyDraft(1), ["?", "Escape"]).draft.help).toBe(false);
  });

  it("starts from a stored review when there is one", () => {
    const d = emptyDraft(3, { scores: [2, null, 5], verdict: "good", note: "fine" });
    expect(d).toEqual({ focus: 0, scores: [2, null, 5], verdict: "good", note: "fine", confirming: false, help: false });
  });
});
