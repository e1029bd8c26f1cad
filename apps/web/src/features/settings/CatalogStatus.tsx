import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { MutationError } from "../../components/States.tsx";
import { dateTime, num } from "../../lib/format.ts";
import { useCan } from "../../lib/session.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { RepriceDialog } from "./RepriceDialog.tsx";

/**
 * Where the genai-prices catalog comes from (bundled, or GENAI_PRICES_URL downloaded or cached, and when), a
 * refresh (editMoney), why the last download was not used, and, when a download changed the price of models
 * with recorded usage, "Reprice history" for each of them (the same preview and job as an override change).
 */
export function CatalogStatus({ tz }: { tz: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canEdit = useCan("editMoney");
  const catalog = useQuery(trpc.prices.catalog.queryOptions());
  const refresh = useMutation(
    trpc.prices.refreshCatalog.mutationOptions({ onSuccess: (data) => qc.setQueryData(trpc.prices.catalog.queryKey(), data) }),
  );
  const [repricing, setRepricing] = useState<string | null>(null);
  const c = catalog.data;
  if (!c) return null;
  const from =
    c.source === "bundled" || c.fetchedAt === null
      ? "bundled with Tally"
      : `${c.source === "cache" ? "cached from" : "downloaded from"} ${c.url ?? "GENAI_PRICES_URL"} on ${dateTime(c.fetchedAt, tz)}`;
  const withUsage = c.changes.filter((x) => x.storedModels.length > 0);
  return (
    <div className="catalog-status stack" data-catalog-source={c.source}>
      <p className="row small">
        <span>
          Catalog: genai-prices, {from} · {num(c.models)} models
        </span>
        {canEdit && c.url ? (
          <button type="button" disabled={refresh.isPending} onClick={() => refresh.mutate()}>
            {refresh.isPending ? "Refreshing…" : "Refresh catalog"}
          </button>
        ) : null}
      </p>
      {c.lastError ? (
        <p className="form-message" role="alert">
          {c.lastError}
        </p>
      ) : null}
      <MutationError error={refresh.error} />
      {withUsage.length > 0 && c.changedAt !== null ? (
        <div className="reprice-offer stack" role="status">
          <span>
            <strong>Catalog prices changed on {dateTime(c.changedAt, tz)}.</strong> Usage already recorded keeps its old cost.
          </span>
          {withUsage.map((x) => (
            <span key={`${x.provider}/${x.model}`} className="row">
              <span>
                {x.model} ({x.provider}, {x.change}): {x.storedModels.join(", ")}
              </span>
              {canEdit ? (
                <button type="button" className="primary" onClick={() => setRepricing(x.model)} aria-label={`Reprice history of ${x.model}`}>
                  Reprice history
                </button>
              ) : null}
            </span>
          ))}
        </div>
      ) : null}
      {repricing ? <RepriceDialog scope={{ model: repricing }} reason="catalog" tz={tz} onClose={() => setRepricing(null)} /> : null}
    </div>
  );
}
