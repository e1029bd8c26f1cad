import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { Card } from "../../components/Card.tsx";
import { Link } from "../../components/Link.tsx";
import { MutationError, QueryView, Skeleton } from "../../components/States.tsx";
import { customerLabel } from "../../lib/format.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { CriteriaTable } from "./CriteriaTable.tsx";
import { criterionRows, draftFrom, otherVerdicts, submitInput } from "./lib/prepare-review.ts";
import { type Draft, emptyDraft, KEYS, missing, pressKey } from "./lib/review-keys.ts";

/** Keys typed into a field are the field's; a key with a modifier is the browser's. */
function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (e.ctrlKey || e.metaKey || e.altKey) return true;
  if (!t) return false;
  if (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)) return true;
  // Enter and space on a focused button or link press it, as everywhere.
  return (e.key === "Enter" || e.key === " ") && (t.tagName === "BUTTON" || t.tagName === "A");
}

/**
 * The review keys act while the focus is on the item or the queue, or on no control at all (the page itself),
 * never on the page's other controls: a `g` on the Export link or a `3` on the navigation stays theirs (WCAG
 * 2.1.4). ↑ / ↓ move between items only from the item or the queue; elsewhere they scroll the page.
 */
function elsewhere(e: KeyboardEvent): boolean {
  const t = e.target instanceof Element ? e.target : null; // a key sent to the document itself has no element
  if (t?.closest(".review-item, .review-list")) return false;
  if (e.key === "ArrowUp" || e.key === "ArrowDown") return true;
  return !(t === null || t === document.body || t.tagName === "MAIN");
}

/** The selected review item: what the judge saw and said, other reviewers' labels, and (with `review`) the form. */
export function ReviewItem({ id, canReview, onPrevious, onNext, onStored }: {
  id: string;
  canReview: boolean;
  onPrevious: () => void;
  onNext: () => void;
  /** After a stored review: the page says so and moves to the next item. */
  onStored: (resumed: boolean) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const item = useQuery(trpc.reviews.item.queryOptions({ id }));
  const names = useMemo(() => item.data?.judge.map((j) => j.name) ?? [], [item.data]);
  const mineLabel = item.data?.mine?.reviewerLabel ?? null;
  const [draft, setDraftState] = useState<Draft>(() => emptyDraft(0));
  // Keys can come faster than renders: each one reads the draft the previous one left here, not the last render's.
  const current = useRef(draft);
  const setDraft = (next: Draft | ((d: Draft) => Draft)) => {
    current.current = typeof next === "function" ? next(current.current) : next;
    setDraftState(current.current);
  };
  const [loaded, setLoaded] = useState(false);
  // The form starts once the item is here (the component is keyed by item): empty, or from the caller's stored review.
  if (item.data && !loaded) {
    setLoaded(true);
    setDraft(emptyDraft(names.length, draftFrom(names, item.data.mine ?? null)));
  }
  const note = useRef<HTMLTextAreaElement>(null);
  const panel = useRef<HTMLElement>(null);
  const submit = useMutation(
    trpc.reviews.submit.mutationOptions({
      onSuccess: (r) => {
        void queryClient.invalidateQueries({ queryKey: trpc.reviews.pathKey() });
        onStored(r.resumed);
      },
    }),
  );
  const send = (d: Draft) => {
    const input = submitInput(id, names, d);
    if (input && !submit.isPending) submit.mutate(input);
  };

  // Opened from the queue (its link clicked, or Enter on it): the item takes the focus, so the review keys
  // reach it (Enter on the link still focused would open the item again, not submit). Mounted once per item.
  useEffect(() => {
    if (document.activeElement?.closest(".review-list")) panel.current?.focus();
  }, []);

  const latest = useRef({ send, onNext, onPrevious, setDraft });
  latest.current = { send, onNext, onPrevious, setDraft };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (elsewhere(e)) return;
      if (typing(e)) {
        if (e.key === "Escape" && e.target === note.current) panel.current?.focus();
        return;
      }
      const d = current.current;
      const navOnly = !canReview && !["j", "k", "ArrowDown", "ArrowUp", "?", "Escape"].includes(e.key);
      if (navOnly) return;
      const r = pressKey(d, e.key);
      if (!r.handled) return;
      e.preventDefault();
      latest.current.setDraft(r.draft);
      if (r.effect === "next-item") latest.current.onNext();
      if (r.effect === "previous-item") latest.current.onPrevious();
      if (r.effect === "focus-note") note.current?.focus();
      if (r.effect === "submit") latest.current.send(d);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [canReview]);

  return (
    <Card className="review-item" title="Item" subtitle={<KeyLine help={draft.help} canReview={canReview} />}>
      <section ref={panel} tabIndex={-1} className="review-item-body" aria-label="Review item" data-item={id} data-ready={item.data && loaded ? "true" : "false"}>
        {draft.help ? <KeyList /> : null}
        <QueryView query={item} loading={<Skeleton height={360} label="loading the item" />}>
          {(d) => {
            const rows = criterionRows(d.judge, d.reviews, mineLabel);
            const others = otherVerdicts(d.reviews, mineLabel);
            const unmet = missing(draft, names);
            return (
              <div className="stack">
                <p className="row small">
                  <Link href={`/runs/${encodeURIComponent(d.runId)}`}>Run {d.runId}</Link>
                  <span className="muted">
                    {d.model || "unknown model"} · {customerLabel(d.customerId, d.customerName)} · judged by {d.judgeModel} ({d.rubricVersion}) · {d.reason === "threshold" ? "a low score" : "the review sample"} · {d.status}
                  </span>
                </p>
                <div className="grid grid-2">
                  <section aria-label="Input">
                    <h3>Input</h3>
                    <pre className="review-text">{d.input ?? "(not recorded)"}</pre>
                  </section>
                  <section aria-label="Output">
                    <h3>Output</h3>
                    <pre className="review-text">{d.output}</pre>
                  </section>
                </div>
                <CriteriaTable rows={rows} scores={draft.scores} focus={draft.focus} canReview={canReview} onScore={(i, v) => setDraft((x) => ({ ...x, scores: x.scores.map((s, k) => (k === i ? v : s)) }))} />
                {others ? <p className="small">Other reviewers' verdicts: {others}</p> : null}
                {d.reviews.filter((r) => r.note && r.reviewerLabel !== mineLabel).map((r) => (
                  <p key={r.reviewerLabel} className="small muted review-note">
                    {r.reviewerLabel}: “{r.note}”
                  </p>
                ))}
                {canReview ? (
                  <form
                    className="stack review-form"
                    aria-label="Your review"
                    onSubmit={(e) => {
                      e.preventDefault();
                      if (!unmet) setDraft((x) => ({ ...x, confirming: true }));
                    }}
                  >
                    <div className="row" role="group" aria-label="Verdict">
                      <span className="small muted">Verdict</span>
                      <button type="button" className="verdict-good" aria-pressed={draft.verdict === "good"} onClick={() => setDraft((x) => ({ ...x, verdict: "good" }))}>
                        Good (g)
                      </button>
                      <button type="button" className="verdict-bad" aria-pressed={draft.verdict === "bad"} onClick={() => setDraft((x) => ({ ...x, verdict: "bad" }))}>
                        Bad (b)
                      </button>
                    </div>
                    <label className="field">
                      <span>Note (n)</span>
                      <textarea ref={note} rows={2} maxLength={2_000} value={draft.note} onChange={(e) => setDraft((x) => ({ ...x, note: e.target.value }))} />
                    </label>
                    {draft.confirming ? (
                      <div className="confirm-bar" role="alert">
                        <span>
                          Submit {names.map((n, i) => `${n} ${draft.scores[i]}`).join(", ")}, verdict {draft.verdict}? Enter confirms, Escape goes back.
                        </span>
                        <button type="button" className="primary" onClick={() => send(draft)}>
                          Confirm
                        </button>
                        <button type="button" onClick={() => setDraft((x) => ({ ...x, confirming: false }))}>
                          Cancel
                        </button>
                      </div>
                    ) : (
                      <div className="row">
                        <button type="submit" className="primary" disabled={Boolean(unmet) || submit.isPending}>
                          Submit (Enter)
                        </button>
                        <span className="small muted" aria-live="polite">
                          {unmet || (d.mine ? "You reviewed this item before: submitting replaces your review." : "")}
                        </span>
                      </div>
                    )}
                    <MutationError error={submit.error} />
                  </form>
                ) : (
                  <p className="small muted">Your role can read the queue; reviewers and admins label it.</p>
                )}
              </div>
            );
          }}
        </QueryView>
      </section>
    </Card>
  );
}

function KeyLine({ help, canReview }: { help: boolean; canReview: boolean }) {
  return (
    <span>
      {canReview ? "Keys: j/k item · 1–5 score · ←/→ criterion · g/b verdict · n note · Enter submit" : "Keys: j/k next/previous item"} · ? {help ? "hides" : "shows"} all keys
    </span>
  );
}

function KeyList() {
  return (
    <dl className="key-list" aria-label="Keyboard keys">
      {KEYS.map((k) => (
        <div key={k.keys}>
          <dt>
            <kbd>{k.keys}</kbd>
          </dt>
          <dd>{k.does}</dd>
        </div>
      ))}
    </dl>
  );
}
