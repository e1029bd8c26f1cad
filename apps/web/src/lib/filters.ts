/**
 * The dashboard's shared filter state, kept in the URL so any view is a shareable link and the back
 * button works. Pure: parse/serialise URLSearchParams and resolve a preset to a concrete window.
 */
import type { BucketUnit } from "@tally/shared";
import { CALENDAR_PRESETS, type CalendarPreset, calendarWindow } from "./calendar.ts";

export { type BucketUnit, pickBucket } from "@tally/shared";

const ROLLING = ["24h", "7d", "30d", "90d"] as const;
/** Rolling windows ending now, then calendar periods in the chosen zone (`calendar.ts`). */
export const PRESETS = [...ROLLING, ...CALENDAR_PRESETS] as const;
export type Preset = (typeof PRESETS)[number];
export type RangeKind = Preset | "custom";

export const PRESET_LABELS: Record<Preset, string> = {
  "24h": "24h",
  "7d": "7d",
  "30d": "30d",
  "90d": "90d",
  "this-month": "This month",
  "last-month": "Last month",
  "this-quarter": "This quarter",
  ytd: "Year to date",
};

const PRESET_MS: Record<(typeof ROLLING)[number], number> = {
  "24h": 24 * 3_600_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
  "90d": 90 * 86_400_000,
};

export const DEFAULT_RANGE: Preset = "7d";

export interface Filters {
  range: RangeKind;
  /** Epoch ms, only for a custom range. */
  from: number | null;
  to: number | null;
  /** IANA time zone used for day boundaries and display. */
  tz: string;
  model: string | null;
  customer: string | null;
  /** Parent function slug. */
  fn: string | null;
  /** One promoted tag's value (TALLY_TAG_KEYS): `tag=key:value` in the URL ('' value = untagged runs). */
  tag: TagFilter | null;
}

export interface TagFilter {
  key: string;
  value: string;
}

/** Keys owned by the filter bar; every other query parameter belongs to the page. */
export const FILTER_KEYS = ["range", "from", "to", "tz", "model", "customer", "fn", "tag"] as const;

let viewerZone: string | undefined;

/** The viewer's IANA zone (resolved once: building a DateTimeFormat per render is measurably slow). */
export function browserTimeZone(): string {
  if (viewerZone === undefined) {
    try {
      viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    } catch {
      viewerZone = "UTC";
    }
  }
  return viewerZone;
}

const validZones = new Map<string, boolean>();

export function isValidTimeZone(tz: string): boolean {
  let ok = validZones.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    validZones.set(tz, ok);
  }
  return ok;
}

function intParam(v: string | null): number | null {
  if (v === null || !/^\d{1,15}$/.test(v)) return null;
  return Number(v);
}

function textParam(v: string | null): string | null {
  if (v === null) return null;
  const t = v.trim();
  return t === "" ? null : t.slice(0, 200);
}

/** A model or customer filter: present and empty selects the "unknown model" / "unattributed" group. */
function dimensionParam(p: URLSearchParams, key: string): string | null {
  return p.get(key) === "" ? "" : textParam(p.get(key));
}

/** `key:value`, split at the first colon (a promoted key has none; a value may). Missing key or colon: no filter. */
export function parseTag(v: string | null): TagFilter | null {
  const at = v?.indexOf(":") ?? -1;
  if (v === null || at <= 0) return null;
  const key = v.slice(0, at).trim();
  return key === "" ? null : { key: key.slice(0, 100), value: v.slice(at + 1, at + 1 + 500) };
}

export const tagParam = (t: TagFilter): string => `${t.key}:${t.value}`;

/** Reads filters from a query string, falling back to defaults for anything missing or invalid. */
export function parseFilters(search: URLSearchParams | string, defaultTz: string = browserTimeZone()): Filters {
  const p = typeof search === "string" ? new URLSearchParams(search) : search;
  const tzRaw = p.get("tz");
  const tz = tzRaw && isValidTimeZone(tzRaw) ? tzRaw : defaultTz;
  const rangeRaw = p.get("range");
  const from = intParam(p.get("from"));
  const to = intParam(p.get("to"));
  let range: RangeKind = (PRESETS as readonly string[]).includes(rangeRaw ?? "") ? (rangeRaw as Preset) : DEFAULT_RANGE;
  const customOk = from !== null && to !== null && from < to;
  if (rangeRaw === "custom" || (rangeRaw === null && customOk)) range = customOk ? "custom" : DEFAULT_RANGE;
  return {
    range,
    from: range === "custom" ? from : null,
    to: range === "custom" ? to : null,
    tz,
    model: dimensionParam(p, "model"),
    customer: dimensionParam(p, "customer"),
    fn: textParam(p.get("fn")),
    tag: parseTag(p.get("tag")),
  };
}

/**
 * Writes filters into `base` (page parameters are kept), omitting defaults so links stay short.
 * The time zone is always written, so a shared link shows the sender's days to everyone.
 */
export function writeFilters(f: Filters, base: URLSearchParams = new URLSearchParams()): URLSearchParams {
  const p = new URLSearchParams(base);
  for (const k of FILTER_KEYS) p.delete(k);
  if (f.range === "custom" && f.from !== null && f.to !== null) {
    p.set("range", "custom");
    p.set("from", String(f.from));
    p.set("to", String(f.to));
  } else if (f.range !== DEFAULT_RANGE && f.range !== "custom") {
    p.set("range", f.range);
  }
  p.set("tz", f.tz);
  if (f.model !== null) p.set("model", f.model);
  if (f.customer !== null) p.set("customer", f.customer);
  if (f.fn) p.set("fn", f.fn);
  if (f.tag) p.set("tag", tagParam(f.tag));
  return p;
}

export interface Window {
  from: number;
  to: number;
}

/**
 * Presets end at the next whole minute, so the window (and the query key) is stable within a minute;
 * calendar presets start at local midnight of their first day in the filters' zone (last month ends at
 * this month's start).
 */
export function resolveWindow(f: Filters, now: number): Window {
  if (f.range === "custom" && f.from !== null && f.to !== null) return { from: f.from, to: f.to };
  const preset: Preset = f.range === "custom" ? DEFAULT_RANGE : f.range;
  const to = Math.ceil(now / 60_000) * 60_000;
  if (preset in PRESET_MS) return { from: to - PRESET_MS[preset as keyof typeof PRESET_MS], to };
  return calendarWindow(preset as CalendarPreset, now, f.tz, to);
}

/** The window of equal length just before `w`: the baseline for KPI deltas. */
export function previousWindow(w: Window): Window {
  const len = w.to - w.from;
  return { from: w.from - len, to: w.from };
}

/** The same filters narrowed to one bucket (a drill-down from a chart point). */
export function narrowTo(f: Filters, from: number, to: number): Filters {
  return { ...f, range: "custom", from, to };
}

/**
 * The runs behind a spend figure (a spend chart point or table row, with its filters): runs.list basis
 * "spend" books each line where the figure does (an agent line at its own model, customer and time, the judge's
 * under the run it judged), so the listed runs' spend in the view adds up to the figure.
 */
export function spendRunsHref(f: Filters): string {
  return hrefWith("/runs", f, { basis: "spend" });
}

/** Builds `path?query` with the filters and the given page parameters (null/'' values dropped). */
export function hrefWith(path: string, f: Filters, page: Record<string, string | number | null | undefined> = {}): string {
  const base = new URLSearchParams();
  for (const [k, v] of Object.entries(page)) if (v !== null && v !== undefined && v !== "") base.set(k, String(v));
  const qs = writeFilters(f, base).toString();
  return qs ? `${path}?${qs}` : path;
}

/** Only the filter part of a query string, for links that change page but keep the filters. */
export function filterQuery(search: string, defaultTz = browserTimeZone()): string {
  const qs = writeFilters(parseFilters(search, defaultTz)).toString();
  return qs ? `?${qs}` : "";
}


/** Nominal length of a bucket (for labels; DST days and clipped weeks are shorter or longer). */
export const BUCKET_LENGTH: Record<BucketUnit, number> = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 };

