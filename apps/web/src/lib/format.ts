import { moneyFractionDigits } from "@tally/shared";

/** Display formatting. Money arrives as integer micro-USD and is converted here only. */

// Intl formatters are costly to build (tens of µs each); charts format hundreds of ticks and labels.
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

export function numberFormat(locale: string, opts: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(opts)}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, opts);
    numberFormats.set(key, f);
  }
  return f;
}

export function dateFormat(locale: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(opts)}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, opts);
    dateFormats.set(key, f);
  }
  return f;
}

export const LOCALE: string = typeof navigator !== "undefined" && navigator.language ? navigator.language : "en-US";

/**
 * `null` is unpriced usage and is shown as such, never as $0. Same rule as `formatMicros` in
 * @tally/shared (`moneyFractionDigits`), with cached formatters.
 */
export function money(micros: number | null | undefined, locale = LOCALE): string {
  if (micros === undefined) return "—";
  if (micros === null) return "unpriced";
  const usd = micros / 1_000_000;
  return numberFormat(locale, { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: moneyFractionDigits(usd) }).format(usd);
}

/**
 * A money figure beside the calls left out of it (the API sends null when none of its calls is priced):
 * "$1.23" when every call is priced, "$1.23" + "+ 3 unpriced calls" when part is, "unpriced" + "3 unpriced
 * calls" when none is, and "—" with no usage at all. Never $0 for what was not priced.
 */
export function pricedMoney(
  micros: number | null | undefined,
  unpricedCalls: number,
  locale = LOCALE,
  format: (micros: number) => string = (m) => money(m, locale),
): { text: string; note: string | null } {
  const calls = `${num(unpricedCalls, locale)} unpriced call${unpricedCalls === 1 ? "" : "s"}`;
  if (micros === null || micros === undefined) return unpricedCalls > 0 ? { text: "unpriced", note: calls } : { text: "—", note: null };
  return { text: format(micros), note: unpricedCalls > 0 ? `+ ${calls}` : null };
}

/**
 * A run counts under its own (judged) model, while a model's cost per run divides by the runs with a priced
 * call of it: "955 runs with a priced call of it".
 */
export function runsCallingModel(pricedRuns: number, locale = LOCALE): string {
  return `${num(pricedRuns, locale)} run${pricedRuns === 1 ? "" : "s"} with a priced call of it`;
}

/** A model row with no run of its own that other models' runs call (a triage model): what its runs cell means; else undefined. */
export function calledByOtherRuns(row: { runs: number; pricedRuns: number }, locale = LOCALE): string | undefined {
  return row.runs === 0 && row.pricedRuns > 0 ? `no run of this model: ${num(row.pricedRuns, locale)} run${row.pricedRuns === 1 ? "" : "s"} of other models called it` : undefined;
}

/** The decimals a money column shows (moneyColumn): its largest value's precision. */
export function moneyColumnDigits(values: readonly (number | null | undefined)[]): number {
  const largest = Math.max(0, ...values.map((v) => (typeof v === "number" && Number.isFinite(v) ? Math.abs(v) : 0)));
  return moneyFractionDigits(largest / 1_000_000);
}

/**
 * Whether a column's rows, each shown rounded to `digits` decimals of a dollar, add up to other than its total
 * shown the same way (the total is the exact sum, so the page says why they differ). Pure.
 */
export function roundedRowsDisagree(rows: readonly (number | null)[], total: number | null, digits: number): boolean {
  const step = 10 ** (6 - digits);
  const shown = (micros: number) => Math.sign(micros) * Math.round(Math.abs(micros) / step);
  return rows.reduce<number>((a, m) => a + (m === null ? 0 : shown(m)), 0) !== (total === null ? 0 : shown(total));
}

/**
 * One precision for a whole table column (its rows and its total): the digits `money` would give the
 * column's largest figure, so $0.10 sits above $0.09, not above $0.09392. A figure that is not zero but
 * rounds to zero at that precision reads "<$0.01", never $0.00. Nulls and undefined stay "unpriced" / "—".
 */
export function moneyColumn(values: readonly (number | null | undefined)[], locale = LOCALE): (micros: number | null | undefined) => string {
  const digits = moneyColumnDigits(values);
  const f = numberFormat(locale, { style: "currency", currency: "USD", minimumFractionDigits: digits, maximumFractionDigits: digits });
  const step = 10 ** -digits;
  return (micros) => {
    if (micros === undefined) return "—";
    if (micros === null) return "unpriced";
    const usd = micros / 1_000_000;
    if (usd !== 0 && Math.abs(usd) < step / 2) return usd > 0 ? `<${f.format(step)}` : `>${f.format(-step)}`;
    return f.format(usd);
  };
}

/**
 * Round axis ticks from 0 (or the data's minimum when negative) past the largest value, stepped by 1, 2,
 * 2.5 or 5 × a power of ten, with about `count` ticks. Pass them as the axis' `ticks` and their ends as its
 * `domain`, and format them with `axisFormat(step)` so every label has the step's decimals.
 */
export function niceTicks(min: number, max: number, count = 5): { ticks: number[]; step: number } {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi - lo <= 0) return { ticks: [0, 1], step: 1 };
  const raw = (hi - lo) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw * (1 - 1e-9)) ?? 10) * power;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  // Multiples of the step, computed from integers so 0.0015 is not 0.0015000000000000002.
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return { ticks, step };
}

/** A money tick label for an axis whose ticks are `stepMicros` apart (see `niceTicks`). */
export function moneyTick(micros: number, stepMicros: number, locale = LOCALE): string {
  return moneyAxisFormat(stepMicros, locale)(micros);
}

/** Labels for money ticks `step` micro-USD apart: every label with the step's decimals ($0.0005, $0.0010, …), large ones compact. */
export function moneyAxisFormat(stepMicros: number, locale = LOCALE): (micros: number) => string {
  const step = stepMicros / 1_000_000;
  if (step >= 1000) return (m) => numberFormat(locale, { style: "currency", currency: "USD", notation: "compact", minimumFractionDigits: 0, maximumFractionDigits: 1 }).format(m / 1_000_000);
  const digits = step >= 1 ? 0 : Math.min(6, decimalsOf(step));
  const f = numberFormat(locale, { style: "currency", currency: "USD", minimumFractionDigits: digits, maximumFractionDigits: digits });
  return (m) => (m === 0 ? f.format(0).replace(/[.,]0+(?=\D*$)/, "") : f.format(m / 1_000_000));
}

function decimalsOf(x: number): number {
  for (let d = 0; d <= 12; d++) if (Math.abs(Math.round(x * 10 ** d) - x * 10 ** d) < 1e-6) return d;
  return 12;
}

export function num(n: number | null | undefined, locale = LOCALE, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return numberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(n);
}

/** Scores are 0–1; shown with two decimals. */
export function score(v: number | null | undefined, locale = LOCALE): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return numberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v);
}

export function percent(v: number | null | undefined, locale = LOCALE, digits = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return numberFormat(locale, { style: "percent", maximumFractionDigits: digits }).format(v);
}

/** A share with exactly `digits` decimals ("4.0%", not "4%"): for a document such as a statement, where figures line up. */
export function fixedPercent(v: number | null | undefined, locale = LOCALE, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return numberFormat(locale, { style: "percent", minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v);
}

/**
 * A relative change against the previous period: a number (+0.12 = +12%), "new" when the previous period is
 * almost empty (zero, or under 1% of the current figure: a percentage against it, such as +29,704%, says
 * nothing), or null without a previous figure.
 */
export function delta(current: number | null, previous: number | null): number | "new" | null {
  if (current === null || previous === null) return null;
  if (previous === 0) return current === 0 ? 0 : "new";
  if (Math.abs(previous) < 0.01 * Math.abs(current)) return "new";
  return (current - previous) / Math.abs(previous);
}

export function deltaLabel(d: number | "new" | null, locale = LOCALE): string {
  if (d === null) return "no previous data";
  if (d === "new") return "new";
  const sign = d > 0 ? "+" : d < 0 ? "−" : "±";
  return `${sign}${percent(Math.abs(d), locale, 1)} vs previous`;
}

export function dateTime(ms: number, tz: string, locale = LOCALE): string {
  return dateFormat(locale, {
    timeZone: tz,
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).format(ms);
}

/** Hours and minutes in `tz` (e.g. "14:05" or "02:05 PM", as the locale writes them). */
export function clockTime(ms: number, tz: string, locale = LOCALE): string {
  return dateFormat(locale, { timeZone: tz, hour: "2-digit", minute: "2-digit" }).format(ms);
}

/** A bucket label: time of day for hourly buckets, a date for daily ones. */
export function bucketLabel(ms: number, bucketMs: number, tz: string, locale = LOCALE): string {
  const opts: Intl.DateTimeFormatOptions =
    bucketMs < 86_400_000
      ? { timeZone: tz, month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }
      : { timeZone: tz, month: "short", day: "numeric" };
  return dateFormat(locale, opts).format(ms);
}

/** `<input type="datetime-local">` value for `ms` in `tz`, and back. */
export function toLocalInput(ms: number, tz: string): string {
  const parts = Object.fromEntries(
    dateFormat("en-CA", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** Offset of `tz` from UTC at `ms`, in ms (positive east of Greenwich). */
export function tzOffset(ms: number, tz: string): number {
  const local = toLocalInput(ms, tz);
  const asUtc = Date.parse(`${local}:00Z`);
  return asUtc - Math.floor(ms / 60_000) * 60_000;
}

export function fromLocalInput(value: string, tz: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return null;
  const guess = Date.parse(`${value}:00Z`);
  if (Number.isNaN(guess)) return null;
  // Two passes settle the offset across a DST change.
  let ms = guess - tzOffset(guess, tz);
  ms = guess - tzOffset(ms, tz);
  return ms;
}

export const UNATTRIBUTED = "";
export function customerLabel(id: string, name?: string | null): string {
  if (id === UNATTRIBUTED) return "unattributed";
  return name && name !== id ? `${name} (${id})` : id;
}
