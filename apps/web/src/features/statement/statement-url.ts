import { localParts } from "@tally/shared";

/**
 * The statement page's address: `/statement?customer=…&month=YYYY-MM&tz=…`, and `back=` the Spend page's own
 * query string (its filters, range and table state), which the page's "← Spend" returns to.
 */
export function statementHref(customerId: string, month: string, tz: string, spendSearch = ""): string {
  const back = spendSearch.replace(/^\?/, "");
  return `/statement?${new URLSearchParams({ customer: customerId, month, tz, ...(back ? { back } : {}) })}`;
}

/** Where "← Spend" goes: the Spend page with the query string it came from (only ever a query on /spend). */
export function spendBackHref(search: string): string {
  const back = new URLSearchParams(search).get("back");
  return back ? `/spend?${new URLSearchParams(back)}` : "/spend";
}

/** The calendar month (`YYYY-MM`) an instant falls in, in `tz`. */
export function monthOf(ms: number, tz: string): string {
  const { y, mo } = localParts(ms, tz);
  return `${y}-${String(mo).padStart(2, "0")}`;
}

/** The page's parameters from its query string; a missing month or zone is the current month in UTC. */
export function readStatementParams(search: string, now = Date.now()): { customerId: string; month: string; timeZone: string } {
  const p = new URLSearchParams(search);
  const timeZone = p.get("tz") || "UTC";
  return { customerId: p.get("customer") ?? "", month: p.get("month") || monthOf(now, "UTC"), timeZone };
}
