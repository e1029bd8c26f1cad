import { useMemo, useSyncExternalStore } from "react";
import { useApiHealth } from "./api-health.ts";
import { type BucketUnit, type Filters, type Window, browserTimeZone, parseFilters, pickBucket, resolveWindow, writeFilters } from "./filters.ts";
import { navigate, useLocation } from "./router.ts";

export interface FilterState {
  filters: Filters;
  window: Window;
  bucket: BucketUnit;
  /** Page parameters (everything in the query string that is not a filter). */
  params: URLSearchParams;
  pathname: string;
  /** Changes filters (back to the first page); `dropParams`: page parameters to remove with them (a reset). */
  setFilters: (patch: Partial<Filters>, dropParams?: string[]) => void;
  /** Sets page parameters (null removes one); filters are kept. `replace` for typing in a search box. */
  setParams: (patch: Record<string, string | number | null>, opts?: { replace?: boolean }) => void;
}

/** A clock in whole minutes: preset windows ("last 7 days") slide forward as it ticks. */
const minuteClock = {
  subscribe: (onChange: () => void) => {
    const timer = setInterval(onChange, 10_000);
    return () => clearInterval(timer);
  },
  read: () => Math.ceil(Date.now() / 60_000),
};

/**
 * The filters of the current URL, resolved against a clock that ticks once a minute. While the API is
 * offline the clock holds at its last answer: a preset window that slid on would ask new questions that
 * cannot be answered, and the figures already on screen would give way to errors.
 */
export function useFilters(): FilterState {
  const loc = useLocation();
  const tz = browserTimeZone();
  const ticking = useSyncExternalStore(minuteClock.subscribe, minuteClock.read);
  const health = useApiHealth();
  const minute = health.offline && health.since !== null ? Math.min(ticking, Math.ceil(health.since / 60_000)) : ticking;
  // biome-ignore lint/correctness/useExhaustiveDependencies: loc.params is a new object each render; loc.search is the same URL as a string
  return useMemo(() => {
    const filters = parseFilters(loc.params, tz);
    const window = resolveWindow(filters, minute * 60_000);
    const setFilters = (patch: Partial<Filters>, dropParams: string[] = []) => {
      const next = writeFilters({ ...filters, ...patch }, loc.params);
      // A new filter starts at the first page.
      for (const p of ["page", "pages", ...dropParams]) next.delete(p);
      const qs = next.toString();
      navigate(qs ? `${loc.pathname}?${qs}` : loc.pathname);
    };
    const setParams = (patch: Record<string, string | number | null>, opts: { replace?: boolean } = {}) => {
      const next = new URLSearchParams(loc.params);
      for (const [k, v] of Object.entries(patch)) {
        if (v === null || v === "") next.delete(k);
        else next.set(k, String(v));
      }
      const qs = next.toString();
      navigate(qs ? `${loc.pathname}?${qs}` : loc.pathname, opts);
    };
    return {
      filters,
      window,
      bucket: pickBucket(window),
      params: loc.params,
      pathname: loc.pathname,
      setFilters,
      setParams,
    };
  }, [loc.search, loc.pathname, tz, minute]);
}
