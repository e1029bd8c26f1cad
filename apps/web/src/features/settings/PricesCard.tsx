import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Card } from "../../components/Card.tsx";
import { EmptyState, MutationError, QueryView, Skeleton } from "../../components/States.tsx";
import { dateTime, fromLocalInput, money, toLocalInput } from "../../lib/format.ts";
import { useCan } from "../../lib/session.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { parseUsdToMicros } from "./lib/money-input.ts";

export function PricesCard({ tz }: { tz: string }) {
  const trpc = useTRPC();
  // Viewers and reviewers read prices; finance and admin add them (the server refuses anyone else).
  const canEdit = useCan("editMoney");
  const prices = useQuery(trpc.prices.list.queryOptions({}));

  return (
    <Card title="Custom model prices" subtitle="Dated overrides, per million tokens; they price usage recorded from their date on (lines already recorded keep their cost)">
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
              </tr>
            </thead>
            <tbody>
              {d.map((p) => (
                <tr key={`${p.model}|${p.provider}|${p.effectiveFrom}`}>
                  <td>{p.model}</td>
                  <td>{p.provider || <span className="muted">any</span>}</td>
                  <td className="num">{money(p.inputMicrosPerMtok)}</td>
                  <td className="num">{money(p.outputMicrosPerMtok)}</td>
                  <td className="num">{p.cacheReadMicrosPerMtok === null ? "—" : money(p.cacheReadMicrosPerMtok)}</td>
                  <td className="num">{p.cacheWriteMicrosPerMtok === null ? "—" : money(p.cacheWriteMicrosPerMtok)}</td>
                  <td>{dateTime(p.effectiveFrom, tz)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
      {canEdit ? <PriceForm tz={tz} /> : null}
    </Card>
  );
}

function PriceForm({ tz }: { tz: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const upsert = useMutation(trpc.prices.upsert.mutationOptions({ onSuccess: () => qc.invalidateQueries({ queryKey: trpc.prices.pathKey() }) }));
  const [model, setModel] = useState("");
  const [provider, setProvider] = useState("");
  const [input, setInput] = useState("");
  const [output, setOutput] = useState("");
  const [cacheRead, setCacheRead] = useState("");
  const [cacheWrite, setCacheWrite] = useState("");
  const [from, setFrom] = useState(toLocalInput(Date.now(), tz).slice(0, 10));
  const inMicros = parseUsdToMicros(input);
  const outMicros = parseUsdToMicros(output);
  const crMicros = parseUsdToMicros(cacheRead);
  const cwMicros = parseUsdToMicros(cacheWrite);
  const effectiveFrom = fromLocalInput(`${from}T00:00`, tz);
  const valid = model.trim() !== "" && typeof inMicros === "number" && typeof outMicros === "number" && crMicros !== undefined && cwMicros !== undefined && effectiveFrom !== null;

  return (
    <>
      <h3 style={{ marginTop: 16 }}>Add a dated price</h3>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (!valid || typeof inMicros !== "number" || typeof outMicros !== "number" || effectiveFrom === null) return;
          upsert.mutate(
            {
              model: model.trim(),
              provider: provider.trim(),
              inputMicrosPerMtok: inMicros,
              outputMicrosPerMtok: outMicros,
              cacheReadMicrosPerMtok: crMicros ?? null,
              cacheWriteMicrosPerMtok: cwMicros ?? null,
              effectiveFrom,
            },
            { onSuccess: () => setModel("") },
          );
        }}
      >
        <label>
          Model id
          <input value={model} onChange={(e) => setModel(e.target.value)} placeholder="my-finetune-v2" required />
        </label>
        <label>
          Provider (optional)
          <input value={provider} onChange={(e) => setProvider(e.target.value)} placeholder="any" size={10} />
        </label>
        <label>
          Input $ / Mtok
          <input value={input} onChange={(e) => setInput(e.target.value)} inputMode="decimal" size={8} required aria-invalid={inMicros === undefined} />
        </label>
        <label>
          Output $ / Mtok
          <input value={output} onChange={(e) => setOutput(e.target.value)} inputMode="decimal" size={8} required aria-invalid={outMicros === undefined} />
        </label>
        <label>
          Cache read $ / Mtok
          <input value={cacheRead} onChange={(e) => setCacheRead(e.target.value)} inputMode="decimal" size={8} aria-invalid={crMicros === undefined} />
        </label>
        <label>
          Cache write $ / Mtok
          <input value={cacheWrite} onChange={(e) => setCacheWrite(e.target.value)} inputMode="decimal" size={8} aria-invalid={cwMicros === undefined} />
        </label>
        <label>
          Effective from
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} required />
        </label>
        <button type="submit" className="primary" disabled={!valid || upsert.isPending}>
          Save price
        </button>
      </form>
      <MutationError error={upsert.error} />
    </>
  );
}
