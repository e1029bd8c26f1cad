import { useQuery } from "@tanstack/react-query";
import { EmptyState, QueryView, Skeleton } from "../../components/States.tsx";
import { type RouterOutputs, useTRPC } from "../../lib/trpc.ts";
import { auditChanges, auditTime, formatAuditValue } from "./lib/audit-diff.ts";

type HistoryEntry = RouterOutputs["prices"]["history"][number];

const VERB: Record<string, string> = { "prices.upsert": "saved", "prices.update": "changed", "prices.remove": "deleted" };

/** Who changed a model's override, when, and each price before → after (the audit log's prices.* entries). */
export function PriceHistory({ model, tz }: { model: string; tz: string }) {
  const trpc = useTRPC();
  const history = useQuery(trpc.prices.history.queryOptions({ model }));
  return (
    <section aria-label={`Price history of ${model}`} className="price-history">
      <h3>Price history of {model}</h3>
      <QueryView query={history} loading={<Skeleton height={60} />} isEmpty={(d) => d.length === 0} empty={<EmptyState title="No changes recorded." />}>
        {(entries) => (
          <ol className="plain-list">
            {entries.map((e: HistoryEntry, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a read-only log in server order, no state per item; two entries may share a time
              <li key={`${e.at}|${i}`} data-action={e.action}>
                <div>
                  <strong>{actorName(e.actor)}</strong> {VERB[e.action] ?? e.action} <span className="mono small">{e.target}</span>{" "}
                  <span className="muted small">{auditTime(e.at, tz)}</span>
                </div>
                <ul className="small">
                  {auditChanges(e.before, e.after)
                    .filter((c) => c.field !== "createdAt")
                    .map((c) => (
                      <li key={c.field} data-field={c.field}>
                        {c.field}: {formatAuditValue(c.field, c.before, tz)} → {formatAuditValue(c.field, c.after, tz)}
                      </li>
                    ))}
                </ul>
              </li>
            ))}
          </ol>
        )}
      </QueryView>
    </section>
  );
}

function actorName(actor: unknown): string {
  if (typeof actor === "string") return actor;
  if (typeof actor === "object" && actor !== null) {
    const a = actor as { label?: unknown; name?: unknown; id?: unknown };
    for (const v of [a.label, a.name, a.id]) if (typeof v === "string" && v) return v;
  }
  return "someone";
}
