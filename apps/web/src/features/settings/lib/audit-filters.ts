import { AUDIT_ACTIONS, type AuditAction, dayStart as localDayStart } from "@tally/shared";

/** The audit log's filters as the page keeps them in the URL (dates are local days, `YYYY-MM-DD`, in the user's zone). */
export interface AuditFilterForm {
  action: string;
  actor: string;
  target: string;
  since: string;
  until: string;
}

/** URL keys of the filters (none clashes with the dashboard's `from`/`to` window). */
export const AUDIT_FILTER_KEYS = ["action", "actor", "target", "since", "until"] as const satisfies readonly (keyof AuditFilterForm)[];

/** What `audit.list` and `audit.csv` take, without the paging fields. */
export interface AuditFilterInput {
  action?: AuditAction;
  actor?: string;
  target?: string;
  from?: number;
  to?: number;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function readAuditFilters(params: URLSearchParams): AuditFilterForm {
  const get = (k: keyof AuditFilterForm) => params.get(k) ?? "";
  return { action: get("action"), actor: get("actor"), target: get("target"), since: get("since"), until: get("until") };
}

/** The first instant of local day `YYYY-MM-DD` in `tz` (its midnight, or the clock change that skips it), or null for anything else. */
export function dayStart(day: string, tz: string): number | null {
  const m = DAY.exec(day);
  if (!m) return null;
  const check = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (check.toISOString().slice(0, 10) !== day) return null; // 2026-02-30 and the like
  return localDayStart(check.getUTCFullYear(), check.getUTCMonth() + 1, check.getUTCDate(), tz);
}

/** The local day after `YYYY-MM-DD` (calendar arithmetic, no zone involved). */
export function nextDay(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + 1)).toISOString().slice(0, 10);
}

/**
 * The API filter for the form: blanks and unknown actions left out, texts trimmed, `since` from the start of that day and
 * `until` through the end of that day (to the start of the next, exclusive) in `tz`. A date the form
 * cannot read is left out rather than sent.
 */
export function auditFilterInput(form: AuditFilterForm, tz: string): AuditFilterInput {
  const out: AuditFilterInput = {};
  const action = AUDIT_ACTIONS.find((a) => a === form.action);
  if (action) out.action = action;
  if (form.actor.trim()) out.actor = form.actor.trim();
  if (form.target.trim()) out.target = form.target.trim();
  const from = dayStart(form.since, tz);
  if (from !== null) out.from = from;
  const to = DAY.test(form.until) && dayStart(form.until, tz) !== null ? dayStart(nextDay(form.until), tz) : null;
  if (to !== null) out.to = to;
  return out;
}

/** Whether the form's range runs backwards (the page says so instead of asking). */
export function rangeIsBackwards(input: AuditFilterInput): boolean {
  return input.from !== undefined && input.to !== undefined && input.to <= input.from;
}

/** `GET /api/export/audit.csv` with the same filter the table shows. */
export function auditCsvHref(input: AuditFilterInput): string {
  return `/api/export/audit.csv?input=${encodeURIComponent(JSON.stringify(input))}`;
}
