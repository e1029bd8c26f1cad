// Probe (not committed): the customer chart's variants timed on one database.
import { connect, readAll } from "@tally/shared/db";
import { getSpendTimeseries, spendCells, spendTotals } from "./src/queries/spend-timeseries.ts";
import { chartBuckets } from "./src/queries/chart-buckets.ts";
import { effectiveWindow } from "./src/queries/common.ts";
import { onlyKeys } from "./src/queries/source.ts";

const db = await connect({ url: process.argv[2]! });
const end = Date.parse("2026-11-01T00:00:00Z");
const DAY = 86_400_000;
type B = "day" | "week";
async function allKeys(f: any, bucket: B) {
  const w = effectiveWindow(f);
  const chart = chartBuckets(f.timeZone, w.from, w.to, bucket);
  const all = await spendCells(db, f, w, { group: ["customer_id"], timeZone: f.timeZone, unit: bucket, chart });
  const tot = all.map((s) => ({ k: s.key[0]!, t: s.cells.cost_micros.reduce((a, x) => a + x, 0) })).sort((a, b) => b.t - a.t);
  return tot.slice(0, 7).map((x) => x.k);
}
async function concurrentRank(f: any, bucket: B) {
  const w = effectiveWindow(f);
  const chart = chartBuckets(f.timeZone, w.from, w.to, bucket);
  const o = { timeZone: f.timeZone, unit: bucket, chart };
  const [t, all] = await readAll(db, [() => spendTotals(db, f, w, "customer_id", undefined), () => spendCells(db, f, w, { ...o, group: [] })]);
  const keys = t.agent.map((r) => r.key).slice(0, 7);
  const own = await spendCells(db, onlyKeys(f, "customer_id", keys), w, { ...o, group: ["customer_id"] });
  return [own.length, all.length];
}
const variants: Record<string, (f: any, b: B) => Promise<unknown>> = {
  current: (f, b) => getSpendTimeseries(db, { ...f, bucket: b, splitBy: "customer", top: 7 }),
  allKeys,
  concurrentRank,
};
for (const [days, bucket] of [[30, "day"], [365, "week"], [365, "day"]] as const) for (const tz of ["UTC", "Asia/Kolkata"]) {
  const f = { from: end - days * DAY, to: end, timeZone: tz };
  const times: Record<string, number[]> = {};
  for (let round = 0; round < 40; round++) for (const [name, fn] of Object.entries(variants)) {
    const t0 = performance.now();
    await fn(f, bucket);
    (times[name] ??= []).push(performance.now() - t0);
  }
  const med = (a: number[]) => a.slice(10).sort((x, y) => x - y)[Math.floor((a.length - 10) / 2)]!;
  console.log(`${days}d/${bucket} ${tz}: ` + Object.entries(times).map(([n, t]) => `${n} ${med(t).toFixed(2)}`).join("  "));
}
await db.destroy();
