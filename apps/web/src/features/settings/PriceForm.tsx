import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { MutationError } from "../../components/States.tsx";
import { dateTime, fromLocalInput, toLocalInput } from "../../lib/format.ts";
import { type RouterOutputs, useTRPC } from "../../lib/trpc.ts";
import { microsToUsdInput, parseUsdToMicros } from "./lib/money-input.ts";
import { priceFormProblem } from "./lib/price-form.ts";
import type { PriceKey } from "./lib/reprice.ts";

export type PriceItem = RouterOutputs["prices"]["list"][number];

/**
 * Adds a dated override (prices.upsert), or, given `editing`, changes its four prices (prices.update: the
 * key — model, provider, date — stays). `initialModel` prefills the model (the Overview's unpriced warning).
 */
export function PriceForm({ tz, editing, initialModel = "", onSaved, onCancel }: {
  tz: string;
  editing?: PriceItem;
  initialModel?: string;
  onSaved: (key: PriceKey) => void;
  onCancel?: () => void;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const invalidate = () => qc.invalidateQueries({ queryKey: trpc.prices.pathKey() });
  const upsert = useMutation(trpc.prices.upsert.mutationOptions({ onSuccess: invalidate }));
  const update = useMutation(trpc.prices.update.mutationOptions({ onSuccess: invalidate }));
  const saving = editing ? update : upsert;
  const [model, setModel] = useState(editing?.model ?? initialModel);
  const [provider, setProvider] = useState(editing?.provider ?? "");
  const [input, setInput] = useState(microsToUsdInput(editing?.inputMicrosPerMtok ?? null));
  const [output, setOutput] = useState(microsToUsdInput(editing?.outputMicrosPerMtok ?? null));
  const [cacheRead, setCacheRead] = useState(microsToUsdInput(editing?.cacheReadMicrosPerMtok ?? null));
  const [cacheWrite, setCacheWrite] = useState(microsToUsdInput(editing?.cacheWriteMicrosPerMtok ?? null));
  const [from, setFrom] = useState(toLocalInput(Date.now(), tz).slice(0, 10));
  // Opened to price a model with unpriced usage: the date reaches back to its first unpriced day, so that
  // repricing its history after saving prices all of it (from today, it priced nothing already recorded).
  const unpricedSince = useQuery({ ...trpc.prices.firstUnpriced.queryOptions({ model: initialModel }), enabled: !editing && initialModel !== "" });
  const firstUnpricedDay = unpricedSince.data?.at == null ? null : toLocalInput(unpricedSince.data.at, tz).slice(0, 10);
  const fromHint = !editing && firstUnpricedDay && model.trim().toLowerCase() === initialModel.trim().toLowerCase();
  const [dateTouched, setDateTouched] = useState(false);
  useEffect(() => {
    if (firstUnpricedDay && !dateTouched) setFrom(firstUnpricedDay);
  }, [firstUnpricedDay, dateTouched]);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (editing || initialModel) first.current?.focus();
  }, [editing, initialModel]);
  const inMicros = parseUsdToMicros(input);
  const outMicros = parseUsdToMicros(output);
  const crMicros = parseUsdToMicros(cacheRead);
  const cwMicros = parseUsdToMicros(cacheWrite);
  const effectiveFrom = editing ? editing.effectiveFrom : fromLocalInput(`${from}T00:00`, tz);
  const problem = priceFormProblem({ model, input, output, cacheRead, cacheWrite, ...(editing ? {} : { from: effectiveFrom === null ? "" : from }) });
  const valid = problem === null && typeof inMicros === "number" && typeof outMicros === "number" && crMicros !== undefined && cwMicros !== undefined && effectiveFrom !== null;
  const problemId = editing ? "edit-price-problem" : "add-price-problem";

  const submit = () => {
    if (!valid || typeof inMicros !== "number" || typeof outMicros !== "number" || effectiveFrom === null) return;
    const values = { inputMicrosPerMtok: inMicros, outputMicrosPerMtok: outMicros, cacheReadMicrosPerMtok: crMicros ?? null, cacheWriteMicrosPerMtok: cwMicros ?? null };
    if (editing) {
      const key = { model: editing.model, provider: editing.provider, effectiveFrom: editing.effectiveFrom };
      update.mutate({ ...key, values }, { onSuccess: () => onSaved(key) });
    } else {
      upsert.mutate({ model: model.trim(), provider: provider.trim(), ...values, effectiveFrom }, {
        onSuccess: (saved) => {
          setModel("");
          onSaved({ model: saved.model, provider: saved.provider, effectiveFrom: saved.effectiveFrom });
        },
      });
    }
  };

  return (
    <>
      <h3 style={{ marginTop: 16 }}>{editing ? `Edit the price of ${editing.model}` : "Add a dated price"}</h3>
      {editing ? (
        <p className="small muted">
          Provider {editing.provider || "any"}, effective from {dateTime(editing.effectiveFrom, tz)}: the key stays; delete the price and add another to change it.
        </p>
      ) : null}
      <form
        className="inline"
        aria-label={editing ? "Edit price" : "Add price"}
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        {editing ? null : (
          <>
            <label>
              Model id
              <input ref={first} name="model" value={model} onChange={(e) => setModel(e.target.value)} placeholder="my-finetune-v2" required />
            </label>
            <label>
              Provider (optional)
              <input name="provider" value={provider} onChange={(e) => setProvider(e.target.value)} placeholder="any" size={10} />
            </label>
          </>
        )}
        <label>
          Input $ / Mtok
          <input ref={editing ? first : undefined} name="input" value={input} onChange={(e) => setInput(e.target.value)} inputMode="decimal" size={8} required aria-invalid={inMicros === undefined} />
        </label>
        <label>
          Output $ / Mtok
          <input name="output" value={output} onChange={(e) => setOutput(e.target.value)} inputMode="decimal" size={8} required aria-invalid={outMicros === undefined} />
        </label>
        <label>
          Cache read $ / Mtok
          <input name="cacheRead" value={cacheRead} onChange={(e) => setCacheRead(e.target.value)} inputMode="decimal" size={8} aria-invalid={crMicros === undefined} />
        </label>
        <label>
          Cache write $ / Mtok
          <input name="cacheWrite" value={cacheWrite} onChange={(e) => setCacheWrite(e.target.value)} inputMode="decimal" size={8} aria-invalid={cwMicros === undefined} />
        </label>
        {editing ? null : (
          <label>
            Effective from
            <input
              name="effectiveFrom"
              type="date"
              value={from}
              onChange={(e) => {
                setDateTouched(true);
                setFrom(e.target.value);
              }}
              required
              aria-describedby={fromHint ? "price-from-hint" : undefined}
            />
          </label>
        )}
        {fromHint ? (
          <p id="price-from-hint" className="small muted" style={{ flexBasis: "100%", margin: 0 }}>
            {initialModel} has unpriced usage from {firstUnpricedDay}: a price from then on lets Reprice history price all of it.
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={!valid || saving.isPending} aria-describedby={problemId}>
          {editing ? "Save changes" : "Save price"}
        </button>
        {onCancel ? (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
        {/* Why the button is disabled, read out with it (and announced as it changes). */}
        <p id={problemId} className="small muted" role="status" style={{ flexBasis: "100%", margin: 0 }}>
          {problem}
        </p>
      </form>
      <MutationError error={saving.error} />
    </>
  );
}
