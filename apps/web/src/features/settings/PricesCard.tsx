import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Card } from "../../components/Card.tsx";
import { EmptyState, MutationError, QueryView, Skeleton } from "../../components/States.tsx";
import { dateTime, money } from "../../lib/format.ts";
import { useLocation } from "../../lib/router.ts";
import { useCan } from "../../lib/session.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { useConfirm } from "./ConfirmDialog.tsx";
import { PriceForm, type PriceItem } from "./PriceForm.tsx";
import { PriceHistory } from "./PriceHistory.tsx";
import { PRICE_MODEL_PARAM, type PriceKey, scopeForOverride } from "./lib/reprice.ts";
import { RepriceDialog } from "./RepriceDialog.tsx";
import { RepriceJobs } from "./RepriceJobs.tsx";
import { CatalogStatus } from "./CatalogStatus.tsx";

const keyOf = (p: PriceKey) => `${p.model}|${p.provider}|${p.effectiveFrom}`;

/**
 * Dated price overrides: add, edit, delete (editMoney), each change kept in the audit log (History). After a
 * change, Tally offers to reprice the usage already recorded (preview, then a job). `?priceModel=` prefills the
 * add form (the Overview's unpriced warning links here).
 */
export function PricesCard({ tz }: { tz: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canEdit = useCan("editMoney");
  const prices = useQuery(trpc.prices.list.queryOptions({}));
  const prefill = useLocation().params.get(PRICE_MODEL_PARAM) ?? "";
  const [editing, setEditing] = useState<PriceItem | null>(null);
  const [history, setHistory] = useState<string | null>(null);
  const [changed, setChanged] = useState<{ key: PriceKey; what: string } | null>(null);
  const [repricing, setRepricing] = useState<PriceKey | null>(null);
  const { confirm, dialog } = useConfirm();
  const remove = useMutation(trpc.prices.remove.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.prices.pathKey() }) }));
  const card = useRef<HTMLDivElement>(null);
  // After a save or delete the form it came from is gone: the focus goes to what happened and what comes next.
  const offer = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (changed) offer.current?.focus();
  }, [changed]);
  // The Edit button that opened the form: Cancel gives it the focus back (the form and its Cancel are gone).
  const opener = useRef<HTMLButtonElement | null>(null);
  const cancelEdit = () => {
    setEditing(null);
    if (opener.current?.isConnected) opener.current.focus();
  };
  useEffect(() => {
    if (prefill) card.current?.scrollIntoView({ block: "start" });
  }, [prefill]);

  const saved = (key: PriceKey, what: string) => {
    setEditing(null);
    setChanged({ key, what });
  };
  const del = async (p: PriceItem) => {
    const ok = await confirm({
      title: `Delete the price of ${p.model}?`,
      body: <p>Usage recorded from {dateTime(p.effectiveFrom, tz)} on keeps its cost until you reprice it. The change is kept in the price history.</p>,
      confirmLabel: "Delete price",
      danger: true,
    });
    if (ok) remove.mutate({ model: p.model, provider: p.provider, effectiveFrom: p.effectiveFrom }, { onSuccess: () => saved(p, "Deleted") });
  };

  return (
    <div id="prices" ref={card} className="stack">
      <Card
        title="Custom model prices"
        subtitle="Dated overrides, per million tokens; they price usage recorded from their date on. Lines already recorded keep their cost until you reprice them."
      >
        <CatalogStatus tz={tz} />
        <QueryView
          query={prices}
          loading={<Skeleton height={120} />}
          isEmpty={(d) => d.length === 0}
          empty={<EmptyState title="No custom prices.">Models genai-prices knows are priced automatically; add a price here for private or fine-tuned models shown as unpriced.</EmptyState>}
        >
          {(d) => (
            <table aria-label="Custom prices">
              <thead>
                <tr>
                  <th>Model</th>
                  <th>Provider</th>
                  <th className="num">Input / Mtok</th>
                  <th className="num">Output / Mtok</th>
                  <th className="num">Cache read / Mtok</th>
                  <th className="num">Cache write / Mtok</th>
                  <th>Effective from ({tz})</th>
                  <th>
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.map((p) => (
                  <tr key={keyOf(p)} data-price-model={p.model}>
                    <td>{p.model}</td>
                    <td>{p.provider || <span className="muted">any</span>}</td>
                    <td className="num">{money(p.inputMicrosPerMtok)}</td>
                    <td className="num">{money(p.outputMicrosPerMtok)}</td>
                    <td className="num">{p.cacheReadMicrosPerMtok === null ? "—" : money(p.cacheReadMicrosPerMtok)}</td>
                    <td className="num">{p.cacheWriteMicrosPerMtok === null ? "—" : money(p.cacheWriteMicrosPerMtok)}</td>
                    <td>{dateTime(p.effectiveFrom, tz)}</td>
                    <td className="row">
                      <button type="button" onClick={() => setHistory(history === p.model ? null : p.model)} aria-expanded={history === p.model}>
                        History
                      </button>
                      {canEdit ? (
                        <>
                          <button
                            type="button"
                            onClick={(e) => {
                              opener.current = e.currentTarget;
                              setEditing(p);
                            }}
                            aria-label={`Edit ${p.model}`}
                          >
                            Edit
                          </button>
                          <button type="button" className="danger" onClick={() => void del(p)} aria-label={`Delete ${p.model}`}>
                            Delete
                          </button>
                        </>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryView>
        <MutationError error={remove.error} />
        {history !== null ? <PriceHistory model={history} tz={tz} /> : null}
        {changed ? (
          <div className="row reprice-offer" role="status" tabIndex={-1} ref={offer}>
            <span>
              <strong>{changed.what}.</strong> Usage of {changed.key.model} already recorded keeps its old cost.
            </span>
            {canEdit ? (
              <button type="button" className="primary" onClick={() => setRepricing(changed.key)}>
                Reprice history
              </button>
            ) : null}
          </div>
        ) : null}
        {canEdit ? (
          editing ? (
            <PriceForm key={keyOf(editing)} tz={tz} editing={editing} onSaved={(k) => saved(k, "Saved")} onCancel={cancelEdit} />
          ) : (
            <PriceForm key={`add|${prefill}`} tz={tz} initialModel={prefill} onSaved={(k) => saved(k, "Saved")} />
          )
        ) : null}
        {dialog}
        {repricing ? <RepriceDialog scope={scopeForOverride(repricing)} tz={tz} onClose={() => setRepricing(null)} /> : null}
      </Card>
      <RepriceJobs tz={tz} />
    </div>
  );
}
