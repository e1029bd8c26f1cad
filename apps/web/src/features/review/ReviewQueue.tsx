import { Link } from "../../components/Link.tsx";
import { customerLabel, dateTime } from "../../lib/format.ts";
import type { RouterOutputs } from "../../lib/trpc.ts";
import { REVIEW_PARAMS } from "./lib/prepare-review.ts";

type QueueItem = RouterOutputs["reviews"]["queue"]["items"][number];

const REASONS = { threshold: "low score", sample: "sample" } as const;

/** The queue page as a list of links (each keeps the page's filters); the selected item is marked current. */
export function ReviewQueue({ items, selected, tz, params }: { items: readonly QueueItem[]; selected: string | null; tz: string; params: URLSearchParams }) {
  const href = (id: string) => {
    const p = new URLSearchParams(params);
    p.set(REVIEW_PARAMS.item, id);
    return `/review?${p.toString()}`;
  };
  return (
    <ol className="review-list" aria-label="Review queue">
      {items.map((it) => (
        <li key={it.id} data-item={it.id} data-status={it.status}>
          <Link href={href(it.id)} aria-current={it.id === selected ? "true" : undefined}>
            <span className="review-list-head">
              <strong>{it.model || "unknown model"}</strong>
              <span className={`badge ${it.reason === "threshold" ? "warn" : ""}`}>{REASONS[it.reason]}</span>
            </span>
            <span className="small muted">
              {customerLabel(it.customerId, it.customerName)} · {dateTime(it.occurredAt, tz)}
            </span>
            <span className="small">
              lowest judge score {it.lowestJudgeScore ?? "—"} · {it.reviewCount} review{it.reviewCount === 1 ? "" : "s"}
              {it.status !== "pending" ? ` · ${it.status}` : ""}
            </span>
          </Link>
        </li>
      ))}
    </ol>
  );
}
