import { sql } from "kysely";
import { ALPHA, type ScoreSums, welchTest } from "@tally/shared";
import { HOUR_MS } from "@tally/shared/db";
import { dashboardLink, type Draft, type KindEvaluator } from "./evaluate.ts";
import { windowEnd, windowStart, windowSums } from "./rollup-window.ts";

/**
 * Quality rules. A quality drop reads the score rollups' n, Σx and Σx² per model for one score name over the
 * window and the window before it, and tests a drop with the Quality page's model comparison (Welch's
 * t-test, two-sided p < 0.05, the mean lower); judge failures count the window's evaluations by status from their (created_at, status) index.
 */

const hours = (h: number) => (h % 24 === 0 ? `${h / 24} d` : `${h} h`);
const fmt = (x: number) => x.toFixed(2);

export const qualityDrop: KindEvaluator<"quality_drop"> = async (db, _rule, p, o, memo) => {
  const to = windowEnd(o.now);
  const mid = windowStart(o.now, p.windowHours);
  const from = mid - p.windowHours * HOUR_MS;
  // Every model's sums for the score name, read once per window for all the rules of one call.
  const read = async (a: number, b: number) => {
    const key = `scores:${p.scoreName}:${a}:${b}`;
    let all = memo.get(key) as Promise<Map<string, ScoreSums>> | undefined;
    if (!all) {
      all = windowSums(db, { fact: "scores", keys: "model", from: a, to: b, measures: { n: "n", s: "sum_value", ss: "sum_sq_value" }, where: [sql`name = ${p.scoreName}`] }).then(
        (rows) => new Map(rows.map((r): [string, ScoreSums] => [r.model, { n: Number(r.n), sum: Number(r.s), sumSq: Number(r.ss) }])),
      );
      memo.set(key, all);
    }
    const sums = await all;
    return p.model ? new Map([...sums].filter(([m]) => m === p.model)) : sums;
  };
  const [current, previous] = await Promise.all([read(mid, to), p.compareToPrevious ? read(from, mid) : Promise.resolve(new Map<string, ScoreSums>())]);
  const out: Draft[] = [];
  for (const [model, cur] of current) {
    if (cur.n < p.minSamples) continue;
    const mean = cur.sum / cur.n;
    const below = p.threshold !== undefined && mean < p.threshold;
    const prev = previous.get(model);
    let drop = false;
    let versus = "";
    if (prev && prev.n >= p.minSamples) {
      const w = welchTest(cur, prev);
      const prevMean = prev.sum / prev.n;
      // An infinite t (both spreads 0) comes back null: a drop when the mean fell.
      drop = w === null ? cur.n >= 2 && prev.n >= 2 && mean < prevMean : w.t < 0 && w.p < ALPHA;
      versus = `; previous ${hours(p.windowHours)}: ${fmt(prevMean)} (n = ${prev.n})${drop ? ", a significant drop" : ""}`;
    }
    const firing = below || drop;
    const label = `${model} · ${p.scoreName}`;
    out.push({
      subject: `${model}|${p.scoreName}`,
      subjectLabel: label,
      period: null,
      firing,
      value: mean,
      threshold: p.threshold ?? (prev && prev.n > 0 ? prev.sum / prev.n : null),
      message: `${label}: mean ${fmt(mean)} over the last ${hours(p.windowHours)} (n = ${cur.n})${p.threshold !== undefined ? `, ${below ? "below" : "at or above"} ${fmt(p.threshold)}` : ""}${versus}`,
      link: dashboardLink("/quality", { range: "custom", from: p.compareToPrevious ? from : mid, to, tz: o.timeZone, model }),
    });
  }
  return out;
};

export const judgeFailures: KindEvaluator<"judge_failures"> = async (db, _rule, p, o) => {
  const to = windowEnd(o.now);
  const from = windowStart(o.now, p.windowHours);
  const rows = await db
    .selectFrom("evaluations")
    .select(["status", sql<number>`count(*)`.as("n")])
    .where("created_at", ">=", from)
    .where("created_at", "<", to)
    .where("status", "in", ["succeeded", "failed"])
    .groupBy("status")
    .execute();
  const failed = Number(rows.find((r) => r.status === "failed")?.n ?? 0);
  const total = failed + Number(rows.find((r) => r.status === "succeeded")?.n ?? 0);
  if (total === 0) return [];
  const rate = failed / total;
  const firing = total >= p.minRuns && rate > p.rate;
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  return [
    {
      subject: "",
      subjectLabel: "the judge",
      period: null,
      firing,
      value: rate,
      threshold: p.rate,
      message: `The judge failed ${failed} of ${total} evaluations (${pct(rate)}) in the last ${hours(p.windowHours)}, ${firing ? "above" : total < p.minRuns ? `fewer than ${p.minRuns} runs to judge by, limit` : "within"} ${pct(p.rate)}`,
      link: dashboardLink("/quality", { range: "custom", from, to, tz: o.timeZone }),
    },
  ];
};
