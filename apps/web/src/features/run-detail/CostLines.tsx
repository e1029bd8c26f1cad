import { Fragment } from "react";
import { EmptyState } from "../../components/States.tsx";
import { dateTime, money, num } from "../../lib/format.ts";
import { ScrollRegion } from "../../components/ScrollRegion.tsx";

/** One repricing of a line: its cost and price source before and after the job (oldest first as the API sends). */
export interface PriceChange {
  jobId: string;
  at: number;
  costMicrosBefore: number | null;
  priceSourceBefore: string;
  costMicrosAfter: number | null;
  priceSourceAfter: string;
}

export interface CostLine {
  id: string;
  deferredRunId: string;
  kind: string;
  provider: string;
  model: string;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number; reasoning: number };
  costMicros: number | null;
  inputCostMicros: number | null;
  outputCostMicros: number | null;
  priceSource: string;
  reportedCostMicros: number | null;
  /** Each time a repricing job changed this line (issue 17 §4). */
  priceHistory: PriceChange[];
}

export function CostLines({ lines, tz }: { lines: CostLine[]; tz: string }) {
  if (lines.length === 0) {
    return <EmptyState title="No cost lines.">Call defer("track-costs", {"{ model, customerId, promptTokens, completionTokens }"}) from the parent function.</EmptyState>;
  }
  return (
    <ScrollRegion label="Cost lines"><table aria-label="Cost lines">
      <thead>
        <tr>
          <th>Kind</th>
          <th>Model</th>
          <th className="num">Input</th>
          <th className="num">Cache read</th>
          <th className="num">Cache write</th>
          <th className="num">Output</th>
          <th className="num">Reasoning</th>
          <th className="num">Input cost</th>
          <th className="num">Output cost</th>
          <th className="num">Cost</th>
          <th>Price source</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((c) => (
          <Fragment key={c.id}>
            <tr data-kind={c.kind} data-cost={c.costMicros ?? ""}>
              <td>
                <span className={`badge ${c.kind === "judge" ? "warn" : ""}`}>{c.kind}</span>
              </td>
              <td>
                {c.model}
                {c.provider ? <div className="small muted">{c.provider}</div> : null}
              </td>
              <td className="num">{num(c.tokens.input)}</td>
              <td className="num">{num(c.tokens.cacheRead)}</td>
              <td className="num">{num(c.tokens.cacheWrite)}</td>
              <td className="num">{num(c.tokens.output)}</td>
              <td className="num">{num(c.tokens.reasoning)}</td>
              <td className="num">{money(c.inputCostMicros)}</td>
              <td className="num">{money(c.outputCostMicros)}</td>
              <td className="num">
                <strong>{money(c.costMicros)}</strong>
                {c.reportedCostMicros !== null ? <div className="small muted">provider: {money(c.reportedCostMicros)}</div> : null}
              </td>
              <td className="mono small">{c.priceSource}</td>
            </tr>
            {c.priceHistory.length ? <PriceHistoryRow line={c} history={c.priceHistory} tz={tz} /> : null}
          </Fragment>
        ))}
      </tbody>
    </table></ScrollRegion>
  );
}

/** Beneath a repriced line: each job that changed it, when, and its cost and price source before → after. */
function PriceHistoryRow({ line, history, tz }: { line: CostLine; history: PriceChange[]; tz: string }) {
  return (
    <tr className="cost-history" data-history-for={line.id}>
      <td />
      <td colSpan={10}>
        <ul className="small muted" aria-label={`Price history of the ${line.kind} line`} style={{ margin: 0, paddingLeft: 16 }}>
          {history.map((h) => (
            <li key={h.jobId} data-job={h.jobId} data-before={h.costMicrosBefore ?? ""} data-after={h.costMicrosAfter ?? ""}>
              Repriced {dateTime(h.at, tz)} by job <span className="mono">{h.jobId}</span>: {money(h.costMicrosBefore)} (
              <span className="mono">{h.priceSourceBefore}</span>) → {money(h.costMicrosAfter)} (<span className="mono">{h.priceSourceAfter}</span>)
            </li>
          ))}
        </ul>
      </td>
    </tr>
  );
}
