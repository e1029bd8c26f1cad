import { filterQuery } from "../../../lib/filters.ts";

/**
 * A trend point narrows the filters to its bucket when it opens Runs; the nav then carries that one-bucket
 * custom range back to Quality. Quality remembers the view it drilled from, and when it is opened again with
 * exactly the filters of that drill-down (the user changed nothing on Runs), it returns to that view.
 */
const KEY = "tally.quality.drill";

export function rememberDrill(store: Pick<Storage, "setItem">, runsHref: string, qualitySearch: string): void {
  const q = runsHref.indexOf("?");
  store.setItem(KEY, JSON.stringify({ narrowed: filterQuery(q === -1 ? "" : runsHref.slice(q)), origin: qualitySearch }));
}

/** The Quality search to return to, or null (nothing remembered, or the filters were changed since). */
export function viewToRestore(store: Pick<Storage, "getItem">, qualitySearch: string): string | null {
  let raw: unknown;
  try {
    raw = JSON.parse(store.getItem(KEY) ?? "null");
  } catch {
    return null;
  }
  // Written by this page, but sessionStorage is anyone's: only two strings are taken.
  const { narrowed, origin } = (raw ?? {}) as Record<string, unknown>;
  if (typeof narrowed !== "string" || typeof origin !== "string" || origin === qualitySearch) return null;
  return filterQuery(qualitySearch) === narrowed ? origin : null;
}
