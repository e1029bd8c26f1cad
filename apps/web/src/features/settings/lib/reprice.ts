import { dateFormat, LOCALE, money, num } from "../../../lib/format.ts";

/** Pure helpers for price overrides and repricing (issue 17 §4): URLs, scopes, progress, signed money. */

/** Which usage lines a repricing covers (the API's `reprice.preview` / `reprice.start` input). */
export interface RepriceScope {
  model: string;
  provider?: string;
  from?: number;
  to?: number;
}

/** An override's key as the API names it (provider '' = any). */
export interface PriceKey {
  model: string;
  provider: string;
  effectiveFrom: number;
}

/** The URL parameter that opens Settings with the add-override form prefilled for a model. */
export const PRICE_MODEL_PARAM = "priceModel";

/**
 * Settings' pricing card with `model` prefilled in its add form (the Overview's unpriced warning links here),
 * keeping the page's filters (`search`): the zone the price's date is read in, and the range the nav returns to.
 */
export function pricingHref(model: string, search = ""): string {
  const q = new URLSearchParams(search);
  q.set(PRICE_MODEL_PARAM, model);
  return `/settings?${q.toString()}#prices`;
}

/**
 * The lines an override added, changed or removed can re-price: its model (and provider when it names one)
 * from its effective date on. Lines before that date are priced by older overrides or the catalog, untouched.
 */
export function scopeForOverride(key: PriceKey): RepriceScope {
  return { model: key.model, ...(key.provider ? { provider: key.provider } : {}), from: key.effectiveFrom };
}

/** A scope as a person reads it: "acme-ft (openai) from Mar 1, 2026" / "gpt-4o, all time". */
export function scopeText(scope: RepriceScope, tz: string, locale = LOCALE): string {
  const day = (ms: number) => dateFormat(locale, { timeZone: tz, year: "numeric", month: "short", day: "numeric" }).format(ms);
  const who = scope.provider ? `${scope.model} (${scope.provider})` : scope.model;
  if (scope.from !== undefined && scope.to !== undefined) return `${who} from ${day(scope.from)} to ${day(scope.to)}`;
  if (scope.from !== undefined) return `${who} from ${day(scope.from)}`;
  if (scope.to !== undefined) return `${who} before ${day(scope.to)}`;
  return `${who}, all time`;
}

/** A job's scope is stored as JSON; anything unreadable is shown as it is rather than dropped. */
export function readScope(scope: unknown): RepriceScope | string {
  const v = typeof scope === "string" ? safeJson(scope) : scope;
  if (typeof v !== "object" || v === null || typeof (v as { model?: unknown }).model !== "string") return typeof scope === "string" ? scope : JSON.stringify(scope);
  const o = v as Record<string, unknown>;
  const numOrUndef = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : undefined);
  const from = numOrUndef(o.from);
  const to = numOrUndef(o.to);
  return {
    model: o.model as string,
    ...(typeof o.provider === "string" && o.provider ? { provider: o.provider } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/**
 * A change in micro-USD with its sign: "+$1.20", "−$0.03", "±$0.00"; null (nothing priced on one side, so no
 * honest difference) reads "—", never $0.
 */
export function signedMoney(micros: number | null | undefined, locale = LOCALE): string {
  if (micros === null || micros === undefined) return "—";
  if (micros === 0) return `±${money(0, locale)}`;
  return `${micros > 0 ? "+" : "−"}${money(Math.abs(micros), locale)}`;
}

/** Money beside its unpriced line count: "$1.20", "$1.20 + 3 unpriced", "unpriced (3 lines)", "—" with no lines. */
export function moneyWithUnpriced(micros: number | null, unpriced: number, locale = LOCALE): string {
  const lines = `${num(unpriced, locale)} unpriced`;
  if (micros === null) return unpriced > 0 ? `unpriced (${num(unpriced, locale)} line${unpriced === 1 ? "" : "s"})` : "—";
  return unpriced > 0 ? `${money(micros, locale)} + ${lines}` : money(micros, locale);
}

export interface JobProgressInput {
  status: "pending" | "running" | "done" | "failed";
  linesTotal: number;
  linesDone: number;
}

/** A job's progress bar: fraction 0–1 (1 when done, even with no lines), its text, and whether to keep polling. */
export function jobProgress(job: JobProgressInput, locale = LOCALE): { fraction: number; text: string; active: boolean } {
  const active = job.status === "pending" || job.status === "running";
  const fraction = job.status === "done" ? 1 : job.linesTotal > 0 ? Math.min(1, job.linesDone / job.linesTotal) : 0;
  const count = `${num(job.linesDone, locale)} of ${num(job.linesTotal, locale)} lines`;
  const text = job.status === "pending" ? "Waiting to start" : job.status === "running" ? `Repricing: ${count}` : job.status === "done" ? `Done: ${count}` : `Failed after ${count}`;
  return { fraction, text, active };
}

/** How often the dialog asks `reprice.job` while a job runs; false once it has finished (done or failed). */
export function jobPollInterval(status: JobProgressInput["status"] | undefined): number | false {
  return status === "done" || status === "failed" ? false : 1000;
}
