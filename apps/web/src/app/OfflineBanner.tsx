import { useQueryClient } from "@tanstack/react-query";
import { useApiHealth } from "../lib/api-health.ts";
import { clockTime, dateTime } from "../lib/format.ts";
import { LIVE_REFRESH_MS } from "../lib/trpc.ts";
import { useFilters } from "../lib/use-filters.ts";

/** Says when the API stopped answering and the figures on screen are the last ones it sent; gone on the next answer. */
export function OfflineBanner() {
  const { offline, since } = useApiHealth();
  const { filters } = useFilters();
  const queryClient = useQueryClient();
  // The live region stays on the page, so a screen reader hears the banner when its text arrives.
  if (!offline) return <div role="status" className="sr-only" />;
  const when = since === null ? null : Date.now() - since < 12 * 3_600_000 ? clockTime(since, filters.tz) : dateTime(since, filters.tz);
  return (
    <div className="offline-banner" role="status" data-since={since ?? ""}>
      <span className="badge warn">Offline</span>
      <span>
        Cannot reach the Tally API. {when ? <>Showing data from {when}; </> : null}retrying every {LIVE_REFRESH_MS / 1000} s.
      </span>
      <button type="button" onClick={() => void queryClient.refetchQueries({ type: "active" })}>
        Retry now
      </button>
    </div>
  );
}
