import type { ReactNode } from "react";
import { httpStatusOf, isForbidden } from "../lib/auth-redirect.ts";
import { isOutage } from "../lib/api-health.ts";
import { hrefWith, parseFilters } from "../lib/filters.ts";
import { navigate, useLocation } from "../lib/router.ts";
import { useMe } from "../lib/session.ts";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../lib/trpc.ts";

export function Skeleton({ height = 16, width = "100%", label }: { height?: number; width?: number | string; label?: string }) {
  return <div className="skeleton" style={{ height, width }} role="status" aria-busy="true" aria-label={label ?? "loading"} />;
}

export function ChartSkeleton({ height = 260 }: { height?: number }) {
  return <Skeleton height={height} label="loading chart" />;
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  if (isForbidden(error)) return <ForbiddenState error={error} />;
  if (httpStatusOf(error) === 400) return <RefusedFilterState error={error} />;
  const message = error instanceof Error ? error.message : String(error);
  // An outage fails every card at once: the Offline banner says so, once; an error the API sent is each card's own.
  return (
    <div className="state state-error" role={isOutage(error) ? undefined : "alert"}>
      <strong>Could not load this data.</strong>
      <span className="muted">{message}</span>
      <button type="button" onClick={onRetry}>
        Retry
      </button>
    </div>
  );
}

/**
 * A 400: the server cannot answer the URL's filters (say, a tag key that is not promoted). Retrying would get
 * the same answer, so it offers to clear the filters instead, keeping the period and the zone.
 */
function RefusedFilterState({ error }: { error: unknown }) {
  const { pathname, search } = useLocation();
  // The period and the zone stay; the other filters and the page's own options go.
  const cleared = hrefWith(pathname, { ...parseFilters(search), model: null, customer: null, fn: null, tag: null });
  return (
    <div className="state state-error" role="alert">
      <strong>These filters cannot be answered.</strong>
      <span className="muted">{error instanceof Error ? error.message : String(error)}</span>
      <button type="button" onClick={() => navigate(cleared)}>
        Clear the filters
      </button>
    </div>
  );
}

/**
 * A 403: the signed-in role lacks the capability (a role changed while the page was open, or a link to a
 * page the role cannot use). Said plainly, with the role the server judged; no retry, which would get the
 * same answer.
 */
export function ForbiddenState({ error, what = "see this" }: { error?: unknown; what?: string }) {
  const me = useMe();
  const said = error instanceof Error ? /the (\w+) role/.exec(error.message)?.[1] : undefined;
  const role = said ?? me?.role;
  return (
    <div className="state state-empty" role="alert" data-forbidden={role ?? ""}>
      <strong>{role ? `Your role (${role}) cannot ${what}.` : `Your role cannot ${what}.`}</strong>
      <span className="muted">Ask an admin of this Tally if you need it.</span>
    </div>
  );
}

/** A failed change: "your role cannot change this" for a 403, else the server's message. */
export function MutationError({ error }: { error: unknown }) {
  if (!error) return null;
  if (isForbidden(error)) return <ForbiddenState error={error} what="change this" />;
  // The answer to the user's own action: announced as it appears (an outage's cards stay silent, ErrorState).
  return (
    <p className="state state-error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}

/** Nothing to show: a status, so a screen reader hears that a filter or range left nothing (not silence). */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty" role="status">
      <strong>{title}</strong>
      {children ? <span className="muted">{children}</span> : null}
    </div>
  );
}

/**
 * The empty state of every score chart: with scores recorded somewhere (runs.scoreNames), none match this
 * period and these filters; with none at all, what to call to get scores.
 */
export function NoScoresYet() {
  const trpc = useTRPC();
  const names = useQuery(trpc.runs.scoreNames.queryOptions());
  if (names.data && names.data.length > 0) {
    return <EmptyState title="No scores match this period and these filters.">Widen the range, or clear a filter (model, customer, function or tag).</EmptyState>;
  }
  return (
    <EmptyState title="No scores yet.">
      Call <code>defer("score", {"{ response, model }"})</code> from your agent to have its output judged.
    </EmptyState>
  );
}

interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPending: boolean;
  refetch: () => unknown;
}

/**
 * Renders a query's loading, error, empty and data states in one place. A failed refresh keeps the last
 * answer on screen (the app's offline banner says how old it is); only a query with nothing to show
 * shows its error.
 */
export function QueryView<T>({
  query,
  loading,
  isEmpty,
  empty,
  children,
}: {
  query: QueryLike<T>;
  loading?: ReactNode;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <>{loading ?? <Skeleton height={120} />}</>;
  if (query.data === undefined) {
    return <ErrorState error={query.error ?? "no data"} onRetry={() => void query.refetch()} />;
  }
  if (isEmpty?.(query.data)) return <>{empty ?? <EmptyState title="Nothing in this range." />}</>;
  return <>{children(query.data)}</>;
}
