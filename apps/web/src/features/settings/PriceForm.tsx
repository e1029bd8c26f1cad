import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type Ref, useEffect, useId, useRef, useState } from "react";
import { MutationError } from "../../components/States.tsx";
import { dateTime, fromLocalInput, toLocalInput } from "../../lib/format.ts";
import { type RouterOutputs, useTRPC } from "../../lib/trpc.ts";
import { microsToUsdInput, parseUsdToMicros } from "./lib/money-input.ts";
import { type PriceField, priceFieldErrors, priceFormMissing } from "./lib/price-form.ts";
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
  const fields = { model, input, output, cacheRead, cacheWrite, ...(editing ? {} : { from: effectiveFrom === null ? "" : from }) };
  const missing = priceFormMissing(fields);
  const errors = priceFieldErrors(fields);
  const valid = missing === null && typeof inMicros === "number" && typeof outMicros === "number" && crMicros !== undefined && cwMicros !== undefined && effectiveFrom !== null;
  const problemId = editing ? "edit-price-problem" : "add-price-problem";
  const id = useId();
  const errorId = (f: PriceField) => `${id}-${f}-error`;
  // Why Save is disabled: what is missing, then each field's own error.
  const whyDisabled = [problemId, ...(Object.keys(errors) as PriceField[]).map(errorId)].join(" ");

  const submit = () => {
    if (saving.isPending || !valid || typeof inMicros !== "number" || typeof outMicros !== "number" || effectiveFrom === null) return;
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
        <PriceInput label="Input $ / Mtok" name="input" value={input} onChange={setInput} error={errors.input} errorId={errorId("input")} required inputRef={editing ? first : undefined} />
        <PriceInput label="Output $ / Mtok" name="output" value={output} onChange={setOutput} error={errors.output} errorId={errorId("output")} required />
        <PriceInput label="Cache read $ / Mtok" name="cacheRead" value={cacheRead} onChange={setCacheRead} error={errors.cacheRead} errorId={errorId("cacheRead")} />
        <PriceInput label="Cache write $ / Mtok" name="cacheWrite" value={cacheWrite} onChange={setCacheWrite} error={errors.cacheWrite} errorId={errorId("cacheWrite")} />
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
        <button type="submit" className="primary" disabled={!valid} aria-disabled={saving.isPending || undefined} aria-describedby={whyDisabled}>
          {editing ? "Save changes" : "Save price"}
        </button>
        {onCancel ? (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
        {/* What is missing, read out with the button, and announced as it changes: as a field is emptied or filled, not at each keystroke. */}
        <p id={problemId} className="small muted" role="status" style={{ flexBasis: "100%", margin: 0 }}>
          {missing}
        </p>
      </form>
      <MutationError error={saving.error} />
    </>
  );
}

/**
 * A price field with its error below it, which the field names (aria-describedby). The error is a live region
 * there from the start, so it is read once as it appears; its text does not quote what was typed, so typing on
 * does not read it again.
 */
function PriceInput({ label, name, value, onChange, error, errorId, required = false, inputRef }: {
  label: string;
  name: PriceField;
  value: string;
  onChange: (text: string) => void;
  error: string | undefined;
  errorId: string;
  required?: boolean;
  inputRef?: Ref<HTMLInputElement>;
}) {
  return (
    <div className="form-field">
      <label>
        {label}
        <input
          ref={inputRef}
          name={name}
          value={value}
          onChange={(e) => onChange(e.target.value)}
          inputMode="decimal"
          size={8}
          required={required}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
        />
      </label>
      <span id={errorId} className="field-error" role="status" style={{ display: "block", maxWidth: 220 }}>
        {error}
      </span>
    </div>
  );
}
