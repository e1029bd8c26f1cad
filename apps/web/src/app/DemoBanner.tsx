import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../lib/trpc.ts";

/** Says plainly when the numbers on screen include the generated demo history, and how to remove it. */
export function DemoBanner() {
  const trpc = useTRPC();
  const status = useQuery(trpc.system.status.queryOptions());
  if (!status.data?.demoData) return null;
  return (
    <div className="demo-banner" role="status">
      <span className="badge warn">Demo data</span>
      <span>
        These figures include a generated 90-day demo history (runs <code>demo-…</code>). Remove it with{" "}
        <code>npm run demo:clear</code>; your own runs appear here as your agents call <code>defer()</code>.
      </span>
    </div>
  );
}
