import { EmptyState } from "../../components/States.tsx";
import { money, num } from "../../lib/format.ts";

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
}

export function CostLines({ lines }: { lines: CostLine[] }) {
  if (lines.length === 0) {
    return <EmptyState title="No cost lines.">Call defer("track-costs", {"{ model, customerId, promptTokens, completionTokens }"}) from the parent function.</EmptyState>;
  }
  return (
    <table aria-label="Cost lines">
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
          <tr key={c.id} data-kind={c.kind} data-cost={c.costMicros ?? ""}>
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
        ))}
      </tbody>
    </table>
  );
}
