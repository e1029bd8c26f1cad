import { type RawBuilder, sql } from "kysely";
import { formatMicros, forecastForMonth } from "@tally/shared";
import { type Db, HOUR_MS, readAll, SPEND_PART_NAMES, SPEND_PARTS } from "@tally/shared/db";
import { dashboardLink, type Draft, type KindEvaluator } from "./evaluate.ts";
import { type Budgeted, monthSpend } from "./month-spend.ts";

export { monthSpend, type MonthSpend } from "./month-spend.ts";
import { type Keys, type SumsRow, windowEnd, windowStart, windowSums } from "./rollup-window.ts";

/**
 * Money rules. Spend is counted as the Spend page counts it: priced agent lines at their own time and model,
 * and the judge's spend on a run at the judged run's time, model and customer (whatever model judged it);
 * unpriced calls add nothing (they are the `unpriced` rule's business, never $0).
 */

/** Priced spend of a key over a window, with its priced and unpriced calls (none priced: the spend is unknown, never $0). */
interface Spend {
  model: string;
  customer_id: string;
  spend: number;
  priced: number;
  unpriced: number;
}

/** Spend per (model, customer) key over a window: the sum of its parts (`SPEND_PARTS`). */
async function spendSums(db: Db, q: { keys: Keys; from: number; to: number; where: RawBuilder<unknown>[] }): Promise<Spend[]> {
  const parts = await readAll(
    db,
    SPEND_PART_NAMES.map((name) => {
      const p = SPEND_PARTS[name];
      return () => windowSums(db, { fact: p.fact, ...q, measures: { spend: p.cost, priced: p.priced, unpriced: p.unpriced }, where: [...q.where, p.rows] });
    }),
  );
  const out = new Map<string, Spend>();
  for (const r of parts.flat()) add(out, `${r.model}\u0000${r.customer_id}`, r);
  return [...out.values()];
}

/** Adds `r`'s spend and calls into `into`'s entry for `key`. */
function add<K>(into: Map<K, Spend>, key: K, r: SumsRow | Spend): void {
  const s = into.get(key) ?? { model: r.model, customer_id: r.customer_id, spend: 0, priced: 0, unpriced: 0 };
  into.set(key, { ...s, spend: s.spend + Number(r.spend), priced: s.priced + Number(r.priced), unpriced: s.unpriced + Number(r.unpriced) });
}
const unknown = (s: Spend | undefined) => s !== undefined && s.priced === 0 && s.unpriced > 0;

/** The customers a budget or forecast rule covers: its own customer, else every budgeted customer without an enabled rule of this kind of its own. */
async function covered(db: Db, kind: "budget" | "forecast", customerId: string | undefined, all: Budgeted[]): Promise<Budgeted[]> {
  if (customerId !== undefined) return all.filter((c) => c.id === customerId);
  const own = await db.selectFrom("alert_rules").select("params").where("kind", "=", kind).where("enabled", "=", 1).execute();
  const mine = new Set(own.map((r) => (JSON.parse(r.params) as { customerId?: string }).customerId).filter((x) => x !== undefined));
  return mine.size ? all.filter((c) => !mine.has(c.id)) : all;
}

const sum = (xs: number[] | undefined) => (xs ?? []).reduce((a, b) => a + b, 0);
/** What a priced sum leaves out, said beside it (never folded in as $0). */
const unpricedNote = (calls: number) => (calls > 0 ? ` + ${calls} unpriced call${calls === 1 ? "" : "s"} not counted` : "");
/** "2026-12 (America/New_York)": a budget month is the reporting zone's, which a reader elsewhere needs to know. */
const monthIn = (month: string, tz: string) => `${month} (${tz})`;
const monthLink = (tz: string, customer: string) => dashboardLink("/spend", { range: "this-month", tz, customer });

export const budget: KindEvaluator<"budget"> = async (db, _rule, p, o, memo) => {
  const m = await monthSpend(db, o.timeZone, o.now, memo);
  const out: Draft[] = [];
  for (const c of await covered(db, "budget", p.customerId, m.customers)) {
    const link = monthLink(o.timeZone, c.id);
    const spent = sum(m.daily.get(c.id));
    const unpriced = m.calls.get(c.id)?.unpriced ?? 0;
    const of = `${formatMicros(spent)} of ${formatMicros(c.budget)}${unpricedNote(unpriced)}`;
    const use = Math.floor((spent * 1000) / c.budget) / 10; // rounded down, as the Spend page: 79.96% reads 79.9%, never "80%" under 80%
    const priced = (m.calls.get(c.id)?.priced ?? 0) > 0;
    for (const t of p.thresholds) {
      if (!priced && unpriced > 0) {
        out.push({ subject: c.id, subjectLabel: c.name, period: `${m.cal.month}@${t}`, firing: false, value: null, threshold: Math.round((c.budget * t) / 100), message: `${c.name}: none of its ${unpriced} calls in ${monthIn(m.cal.month, o.timeZone)} is priced, so its budget use is unknown`, link });
        continue;
      }
      const firing = spent * 100 >= c.budget * t;
      out.push({
        subject: c.id,
        subjectLabel: c.name,
        period: `${m.cal.month}@${t}`,
        firing,
        value: spent,
        threshold: Math.round((c.budget * t) / 100),
        message: firing
          ? `${c.name} reached ${use}% of its monthly budget (${of}) in ${monthIn(m.cal.month, o.timeZone)}: ${t >= 100 ? "over budget" : `past ${t}%`}`
          : `${c.name} is at ${use}% of its monthly budget (${of}) in ${monthIn(m.cal.month, o.timeZone)}, under ${t}%`,
        link,
      });
    }
  }
  return out;
};

export const forecast: KindEvaluator<"forecast"> = async (db, _rule, p, o, memo) => {
  const m = await monthSpend(db, o.timeZone, o.now, memo);
  const out: Draft[] = [];
  for (const c of await covered(db, "forecast", p.customerId, m.customers)) {
    const calls = m.calls.get(c.id);
    if (calls && calls.priced === 0 && calls.unpriced > 0) {
      out.push({ subject: c.id, subjectLabel: c.name, period: m.cal.month, firing: false, value: null, threshold: c.budget, message: `${c.name}: none of its ${calls.unpriced} calls in ${monthIn(m.cal.month, o.timeZone)} is priced, so there is no forecast`, link: monthLink(o.timeZone, c.id) });
      continue;
    }
    const f = forecastForMonth(m.cal, m.daily.get(c.id) ?? [], o.now);
    // From the month's first full day on: a forecast from a few hours of one day is noise.
    const firing = f.fullDays >= 1 && f.micros > c.budget;
    const interval =
      f.lowMicros === null || f.highMicros === null
        ? f.fullDays < 2
          ? "no interval before two full days"
          : "no interval: the full days so far show no spread to measure"
        : `95% interval ${formatMicros(f.lowMicros)}–${formatMicros(f.highMicros)}`;
    out.push({
      subject: c.id,
      subjectLabel: c.name,
      period: m.cal.month,
      firing,
      value: f.micros,
      threshold: c.budget,
      message: `${c.name} is forecast to spend ${formatMicros(f.micros)} in ${monthIn(m.cal.month, o.timeZone)} (${interval}), ${f.micros > c.budget ? "over" : "within"} its ${formatMicros(c.budget)} budget; ${formatMicros(f.spentMicros)} spent so far${unpricedNote(calls?.unpriced ?? 0)}`,
      link: monthLink(o.timeZone, c.id),
    });
  }
  return out;
};

async function customerNames(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom("customers").select(["id", "name"]).where("id", "in", ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

const windowLink = (page: string, o: { timeZone: string }, from: number, to: number, extra: Record<string, string | undefined>) =>
  dashboardLink(page, { range: "custom", from, to, tz: o.timeZone, ...extra });
const hours = (h: number) => (h % 24 === 0 ? `${h / 24} d` : `${h} h`);

export const spendOver: KindEvaluator<"spend_over"> = async (db, _rule, p, o) => {
  const to = windowEnd(o.now);
  const from = windowStart(o.now, p.windowHours);
  const rows = await spendSums(db, { keys: p.model ? "both" : "customer", from, to, where: [sql`customer_id <> ''`, ...(p.model ? [sql`model = ${p.model}`] : [])] });
  const perCustomer = new Map<string, Spend>();
  for (const r of rows) add(perCustomer, r.customer_id, r);
  const names = await customerNames(db, [...perCustomer.keys()]);
  const on = p.model ? ` on ${p.model}` : "";
  return [...perCustomer].map(([id, s]) => {
    const label = names.get(id) ?? id;
    const link = windowLink("/spend", o, from, to, { customer: id, model: p.model });
    const base = { subject: id, subjectLabel: label, period: null, threshold: p.amountMicros, link };
    if (unknown(s)) {
      return { ...base, firing: false, value: null, message: `${label}: none of its ${s.unpriced} calls${on} in the last ${hours(p.windowHours)} is priced, so its spend is unknown` };
    }
    const firing = s.spend > p.amountMicros;
    return {
      ...base,
      firing,
      value: s.spend,
      message: `${label} spent ${formatMicros(s.spend)}${on}${unpricedNote(s.unpriced)} in the last ${hours(p.windowHours)}, ${firing ? "over" : "within"} ${formatMicros(p.amountMicros)}`,
    };
  });
};

export const spendSpike: KindEvaluator<"spend_spike"> = async (db, _rule, p, o) => {
  const to = windowEnd(o.now);
  const mid = windowStart(o.now, p.windowHours);
  const from = mid - p.baselineHours * HOUR_MS;
  const keys = p.by === "model" ? "model" : "customer";
  const read = (a: number, b: number) => spendSums(db, { keys, from: a, to: b, where: p.by === "customer" ? [sql`customer_id <> ''`] : [] });
  const keyOf = (r: Spend) => (p.by === "model" ? r.model : r.customer_id);
  const [recentRows, baseRows] = await Promise.all([read(mid, to), read(from, mid)]);
  const recent = new Map<string, Spend>();
  for (const r of recentRows) add(recent, keyOf(r), r);
  const baseline = new Map<string, Spend>();
  for (const r of baseRows) add(baseline, keyOf(r), r);
  const names = p.by === "customer" ? await customerNames(db, [...recent.keys()]) : new Map<string, string>();
  return [...recent].map(([key, r]) => {
    const label = names.get(key) ?? key;
    const b = baseline.get(key);
    const link = windowLink("/spend", o, from, to, p.by === "model" ? { model: key } : { customer: key });
    const out = { subject: key, subjectLabel: label, period: null, link };
    // Unpriced calls are unknown spend: a window (or a baseline) with calls and none priced has no ratio.
    if (unknown(r)) return { ...out, firing: false, value: null, threshold: null, message: `${label}: none of its ${r.unpriced} calls in the last ${hours(p.windowHours)} is priced, so its spend is unknown` };
    if (unknown(b)) {
      return { ...out, firing: false, value: r.spend, threshold: null, message: `${label} spent ${formatMicros(r.spend)}${unpricedNote(r.unpriced)} in the last ${hours(p.windowHours)}; none of its ${b!.unpriced} calls in its ${hours(p.baselineHours)} baseline is priced, so there is no baseline to compare with` };
    }
    // The baseline's rate over the span the recent read holds data for (from its first bucket to now: N h
    // and up to 15 minutes more), so steady spend is 1.0× whatever the minute.
    const expected = ((b?.spend ?? 0) * (o.now - mid)) / (p.baselineHours * HOUR_MS);
    const perWindow = ((b?.spend ?? 0) * p.windowHours) / p.baselineHours;
    const limit = Math.round(p.factor * expected);
    const firing = r.spend >= p.minMicros && r.spend > limit;
    return {
      ...out,
      firing,
      value: r.spend,
      threshold: limit,
      message: `${label} spent ${formatMicros(r.spend)}${unpricedNote(r.unpriced)} in the last ${hours(p.windowHours)}: ${expected > 0 ? `${(r.spend / expected).toFixed(1)}×` : "up from nothing against"} its ${hours(p.baselineHours)} baseline (${formatMicros(Math.round(perWindow))} per ${hours(p.windowHours)}${unpricedNote(b?.unpriced ?? 0)}; alert above ${p.factor}×)`,
    };
  });
};

export const unpriced: KindEvaluator<"unpriced"> = async (db, _rule, p, o) => {
  const to = windowEnd(o.now);
  const from = windowStart(o.now, p.windowHours);
  const rows = await windowSums(db, { fact: "usage", keys: "model", from, to, measures: { unpriced: "unpriced_calls", calls: "calls" }, where: p.model ? [sql`model = ${p.model}`] : [] });
  return rows
    .filter((r) => Number(r.unpriced) > 0)
    .map((r) => ({
      subject: r.model,
      subjectLabel: r.model,
      period: null,
      firing: true,
      value: Number(r.unpriced),
      threshold: 0,
      message: `${r.model} made ${Number(r.unpriced)} unpriced call${Number(r.unpriced) === 1 ? "" : "s"} (of ${Number(r.calls)}) in the last ${hours(p.windowHours)}: add its price in Settings`,
      link: windowLink("/spend", o, from, to, { model: r.model }),
    }));
};
