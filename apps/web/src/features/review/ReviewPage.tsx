import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Card } from "../../components/Card.tsx";
import { ExportLink } from "../../components/ExportLink.tsx";
import { EmptyState, QueryView, Skeleton } from "../../components/States.tsx";
import { dateTime } from "../../lib/format.ts";
import { useCan } from "../../lib/session.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { useFilters } from "../../lib/use-filters.ts";
import { currentCursor, nextTrail, prevTrail, readTrail } from "../runs/lib/cursor-trail.ts";
import { neighbours, QUEUE_STATUSES, queueInput, REVIEW_PARAMS, reviewsExportHref, selectedId, unusedFilters } from "./lib/prepare-review.ts";
import { ReviewItem } from "./ReviewItem.tsx";
import { ReviewQueue } from "./ReviewQueue.tsx";
import "./review.css";

const STATUS_LABELS = { pending: "Pending", reviewed: "Reviewed", expired: "Expired", all: "All" } as const;

/**
 * The human review queue (issue 19): the queue on the left, filtered by the filter bar's model, customer
 * and window and by status and score name (all in the URL); the selected item on the right, labelled with
 * the keyboard (`lib/review-keys.ts`). Everyone who reads may see it; only roles with `review` label.
 */
export default function ReviewPage() {
  const trpc = useTRPC();
  const canReview = useCan("review");
  const { filters, window, params, setParams } = useFilters();
  const input = queueInput(filters, window, params);
  const queue = useQuery(trpc.reviews.queue.queryOptions(input));
  const ids = queue.data?.items.map((i) => i.id) ?? [];
  const wanted = params.get(REVIEW_PARAMS.item);
  // The queue's order while the URL's item was listed: an item just reviewed leaves a pending queue, and the
  // one that took its place is shown.
  const [place, setPlace] = useState<string[]>([]);
  if (wanted && ids.includes(wanted) && ids.join("\n") !== place.join("\n")) setPlace(ids);
  const current = queue.isPending ? wanted : selectedId(ids, wanted, place);
  const around = neighbours(ids, current);
  const trail = readTrail(params);
  const go = (id: string | null) => id && setParams({ [REVIEW_PARAMS.item]: id }, { replace: true });
  const scoreName = params.get(REVIEW_PARAMS.scoreName) ?? "";
  const [stored, setStored] = useState<{ id: string; resumed: boolean } | null>(null);
  const unused = unusedFilters(filters);

  return (
    <div className="stack review-page">
      <div className="row">
        <h1 style={{ margin: 0 }}>Review</h1>
        <span className="spacer" />
        <div className="segmented" role="group" aria-label="Queue status">
          {QUEUE_STATUSES.map((s) => (
            <button key={s} type="button" aria-pressed={input.status === s} onClick={() => setParams({ [REVIEW_PARAMS.status]: s === "pending" ? null : s, [REVIEW_PARAMS.item]: null, pages: null })}>
              {STATUS_LABELS[s]}
            </button>
          ))}
        </div>
        <ScoreNameFilter key={scoreName} value={scoreName} onApply={(v) => setParams({ [REVIEW_PARAMS.scoreName]: v || null, [REVIEW_PARAMS.item]: null, pages: null })} />
      </div>
      {input.disagree || input.judgeModel || input.rubricVersion ? (
        <p className="row small">
          {input.disagree ? (
            <span className="chip">
              only where a reviewer disagrees with the judge{input.scoreName ? ` on ${input.scoreName}` : ""}
              <button type="button" aria-label="Show agreements too" onClick={() => setParams({ [REVIEW_PARAMS.disagree]: null, [REVIEW_PARAMS.item]: null, pages: null })}>
                ×
              </button>
            </span>
          ) : null}
          {input.judgeModel || input.rubricVersion ? (
            <span className="chip">
              judged by {input.judgeModel ?? "any judge"}
              {input.rubricVersion ? ` (${input.rubricVersion})` : ""}
              <button
                type="button"
                aria-label="Any judge and rubric"
                onClick={() => setParams({ [REVIEW_PARAMS.judgeModel]: null, [REVIEW_PARAMS.rubricVersion]: null, [REVIEW_PARAMS.item]: null, pages: null })}
              >
                ×
              </button>
            </span>
          ) : null}
        </p>
      ) : null}
      {unused.length ? (
        <p className="small muted" role="note">
          The queue filters by model, customer and window; the {unused.join(" and ")} {unused.length > 1 ? "filters do" : "filter does"} not apply here.
        </p>
      ) : null}
      <p className="small review-stored" role="status" aria-live="polite" data-stored={stored?.id ?? ""}>
        {stored ? `Review of ${stored.id} stored${stored.resumed ? "; the waiting run goes on." : " (the waiting run was not resumed: no Inngest engine answered)."}` : ""}
      </p>
      <div className="review-layout">
        <Card
          className="review-queue"
          title={`${STATUS_LABELS[input.status]} reviews`}
          actions={
            <ExportLink className="btn nowrap" href={reviewsExportHref(input, filters.tz)} data-testid="export-reviews-csv">
              Export CSV
            </ExportLink>
          }
          subtitle={
            queue.data
              ? `${queue.data.total.toLocaleString()} item${queue.data.total === 1 ? "" : "s"} scored ${dateTime(window.from, filters.tz)} – ${dateTime(window.to, filters.tz)}`
              : "Runs the judge scored low, and a random sample"
          }
        >
          <QueryView
            query={queue}
            loading={<Skeleton height={320} label="loading the review queue" />}
            isEmpty={(d) => d.items.length === 0}
            empty={<EmptyState title="Nothing to review here.">A run enters the queue when the judge scores a criterion low, or by the review sample.</EmptyState>}
          >
            {(d) => (
              <>
                <ReviewQueue items={d.items} selected={current} tz={filters.tz} params={params} />
                {trail.length || d.nextCursor ? (
                  <div className="pager">
                    <button type="button" disabled={!currentCursor(trail)} onClick={() => setParams({ pages: prevTrail(trail), [REVIEW_PARAMS.item]: null })}>
                      Previous page
                    </button>
                    <button type="button" disabled={!d.nextCursor} onClick={() => d.nextCursor && setParams({ pages: nextTrail(trail, d.nextCursor), [REVIEW_PARAMS.item]: null })}>
                      Next page
                    </button>
                  </div>
                ) : null}
              </>
            )}
          </QueryView>
        </Card>
        {current ? (
          <ReviewItem
            key={current}
            id={current}
            canReview={canReview}
            onPrevious={() => go(around.previous)}
            onNext={() => go(around.next)}
            onStored={(resumed) => {
              setStored({ id: current, resumed });
              go(around.next);
            }}
          />
        ) : queue.isPending ? null : (
          <Card title="No item selected">
            <p className="muted">Choose another status or widen the window to find items.</p>
          </Card>
        )}
      </div>
    </div>
  );
}

/** The score name filter: typed, applied on Enter or when the field is left. */
function ScoreNameFilter({ value, onApply }: { value: string; onApply: (v: string) => void }) {
  const [text, setText] = useState(value);
  const apply = () => text.trim() !== value && onApply(text.trim());
  return (
    <label className="row small muted">
      Score name
      <input
        type="search"
        value={text}
        placeholder="any"
        size={14}
        onChange={(e) => setText(e.target.value)}
        onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === "Enter") apply();
        }}
      />
    </label>
  );
}
