import { dateFormat, LOCALE, money } from "../../../lib/format.ts";

/** One field an audited change touched: its value before (null when it did not exist) and after. */
export interface FieldChange {
  /** A dotted path into the record (`role`, `limits.daily`); "" when the record is a plain value. */
  field: string;
  before: unknown;
  after: unknown;
  kind: "added" | "removed" | "changed";
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Key-order-independent equality of JSON values (audit rows are JSON). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!sameJson(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** Flattens nested records to dotted paths; arrays and plain values are leaves. */
function flatten(v: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (isRecord(v) && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, v);
  return out;
}

/**
 * The fields an audited change touched, in the record's own order (before's fields, then new ones):
 * a creation (before null) lists every field it set as added, a removal every field it had as removed
 * (fields that are null say nothing there), an update only the fields whose value differs.
 */
export function auditChanges(before: unknown, after: unknown): FieldChange[] {
  if (before == null && after == null) return [];
  const b = before == null ? new Map<string, unknown>() : flatten(before, "", new Map());
  const a = after == null ? new Map<string, unknown>() : flatten(after, "", new Map());
  const out: FieldChange[] = [];
  for (const field of new Set([...b.keys(), ...a.keys()])) {
    const inBefore = before != null && b.has(field);
    const inAfter = after != null && a.has(field);
    const was = inBefore ? b.get(field) : null;
    const now = inAfter ? a.get(field) : null;
    if (inBefore && inAfter && sameJson(was, now)) continue;
    if ((before == null && now === null) || (after == null && was === null)) continue;
    out.push({ field, before: was, after: now, kind: !inBefore ? "added" : !inAfter ? "removed" : "changed" });
  }
  return out;
}

/** Instants from 2000 on, in fields named like `createdAt`, `expiresAt`, `effectiveFrom`. */
const TIME_FIELD = /(At|From|Until)$/;
const MONEY_FIELD = /Micros(PerMtok)?$/;
const Y2000 = 946_684_800_000;

/** An instant to the second in `tz`: two changes within a minute still read apart. */
export function auditTime(ms: number, tz: string, locale = LOCALE): string {
  return dateFormat(locale, { timeZone: tz, year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(ms);
}

/**
 * A field's value as a person reads it: instants as dates in `tz` (to the second), micro-USD as dollars, strings as they
 * are, nothing as "—", anything else as compact JSON.
 */
export function formatAuditValue(field: string, value: unknown, tz: string, locale = LOCALE): string {
  if (value === null || value === undefined) return "—";
  const leaf = field.slice(field.lastIndexOf(".") + 1);
  if (typeof value === "number" && TIME_FIELD.test(leaf) && value >= Y2000) return auditTime(value, tz, locale);
  if (typeof value === "number" && MONEY_FIELD.test(leaf)) return money(value, locale);
  if (typeof value === "string") return value === "" ? '""' : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
