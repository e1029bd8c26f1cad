import { describe, expect, it } from "vitest";
import type { AlertStateTable } from "@tally/shared/db";
import { type EvaluatedState, transitions } from "./transitions.ts";

const ev = (subject: string, period: string, firing: boolean): EvaluatedState => ({
  subject,
  period,
  firing,
  value: null,
  threshold: null,
  message: `${subject} ${firing ? "over" : "ok"}`,
  link: `/spend?customer=${subject}`,
});

/** Runs ticks in order, feeding each tick's states to the next; returns every tick's changes as `event subject@period`. */
function ticks(...batches: EvaluatedState[][]): { changes: string[][]; last: AlertStateTable[] } {
  let states: AlertStateTable[] = [];
  const changes: string[][] = [];
  batches.forEach((batch, i) => {
    const out = transitions("r1", states, batch, 1000 * (i + 1));
    changes.push(out.changes.map((c) => `${c.event} ${c.subject}@${c.period}`));
    states = out.next;
  });
  return { changes, last: states };
}

describe("alert transitions", () => {
  it("a crossing fires once, stays quiet while firing, resolves once", () => {
    const { changes, last } = ticks(
      [ev("acme", "2026-12@80", false)],
      [ev("acme", "2026-12@80", true)],
      [ev("acme", "2026-12@80", true)],
      [ev("acme", "2026-12@80", false)],
      [ev("acme", "2026-12@80", false)],
    );
    expect(changes).toEqual([[], ["firing acme@2026-12@80"], [], ["resolved acme@2026-12@80"], []]);
    expect(last).toMatchObject([{ subject: "acme", firing: 0, since: 4000, evaluated_at: 5000 }]);
  });

  it("a firing state keeps its since while it fires", () => {
    const { last } = ticks([ev("acme", "p", true)], [ev("acme", "p", true)]);
    expect(last).toMatchObject([{ firing: 1, since: 1000, evaluated_at: 2000 }]);
  });

  it("one subject under two periods (two thresholds) is two alerts", () => {
    const { changes } = ticks(
      [ev("acme", "2026-12@80", true), ev("acme", "2026-12@100", false)],
      [ev("acme", "2026-12@80", true), ev("acme", "2026-12@100", true)],
      [ev("acme", "2026-12@80", false), ev("acme", "2026-12@100", false)],
    );
    expect(changes).toEqual([["firing acme@2026-12@80"], ["firing acme@2026-12@100"], ["resolved acme@2026-12@80", "resolved acme@2026-12@100"]]);
  });

  it("a new period is a new alert; states the rule no longer reports are dropped", () => {
    const { changes, last } = ticks([ev("gpt", "w1", true)], [ev("gpt", "w1", false)], [ev("gpt", "w2", true)], [ev("other", "", false)]);
    expect(changes).toEqual([["firing gpt@w1"], ["resolved gpt@w1"], ["firing gpt@w2"], []]);
    expect(last.map((s) => s.subject)).toEqual(["other"]);
  });

  it("subjects are independent, and one evaluation per subject × period counts (the last)", () => {
    const { changes } = ticks([ev("a", "p", false), ev("b", "p", false)], [ev("a", "p", true), ev("b", "p", false), ev("b", "p", true)]);
    expect(changes).toEqual([[], ["firing a@p", "firing b@p"]]);
  });
});
