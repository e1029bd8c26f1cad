import { Money } from "../../components/Money.tsx";
import { type Filters, spendRunsHref } from "../../lib/filters.ts";
import { calledByOtherRuns, moneyColumn, num, percent, pricedMoney, runsCallingModel } from "../../lib/format.ts";
import type { RouterOutputs } from "../../lib/trpc.ts";
import { navigate } from "../../lib/router.ts";
import { openRowProps } from "../../components/row-keys.ts";

type ByModel = RouterOutputs["spend"]["byModel"];

/**
 * Spend per judged model (its agent spend and the judge's spend on its runs), with a total row read from the
 * API's exact totals (not a sum of rounded cells), and the judge models' own spend beneath.
 */
export function ModelsTable({ data, filters, color }: { data: ByModel; filters: Filters; color: (model: string) => string }) {
  const t = data.totals;
  // One precision per column, rows and total alike.
  const col = {
    spend: moneyColumn([...data.rows.map((r) => r.spendMicros), t.spendMicros]),
    agent: moneyColumn(data.rows.map((r) => r.agentSpendMicros)),
    judge: moneyColumn(data.rows.map((r) => r.judgeSpendMicros)),
    perRun: moneyColumn(data.rows.map((r) => r.costPerRunMicros)),
  };
  return (
    <>
    <table aria-label="Spend by model">
      <thead>
        <tr>
          <th>Model</th>
          <th className="num">Spend</th>
          <th className="num">Agent</th>
          <th className="num">Judge</th>
          <th className="num">Runs</th>
          <th className="num">Cost per run</th>
          <th className="num">Share</th>
        </tr>
      </thead>
      <tbody>
        {data.rows.map((r) => (
          <tr key={r.model} className="clickable" data-model={r.model} {...openRowProps(() => navigate(spendRunsHref({ ...filters, model: r.model })))}>
            <td>
              <span style={{ display: "inline-block", width: 10, height: 10, borderRadius: 2, background: color(r.model), marginRight: 6 }} />
              {r.model || "unknown"}
            </td>
            <td className="num" data-cell="spend">
              <Money micros={r.spendMicros} unpricedCalls={r.unpricedCalls} format={col.spend} />
            </td>
            <td className="num" data-cell="agent">
              <Money micros={r.agentSpendMicros} unpricedCalls={r.agentUnpricedCalls} format={col.agent} />
            </td>
            <td className="num" data-cell="judge">
              <Money micros={r.judgeSpendMicros} unpricedCalls={r.judgeUnpricedCalls} format={col.judge} />
            </td>
            {/* A run counts under its own (judged) model; a model other models' runs call has none of its own. */}
            <td className="num" data-cell="runs" title={calledByOtherRuns(r)}>
              {r.runs ? num(r.runs) : "—"}
            </td>
            <td className="num" data-cell="cost-per-run" title={r.pricedRuns ? `priced spend / ${runsCallingModel(r.pricedRuns)}` : undefined}>{pricedMoney(r.costPerRunMicros, r.agentUnpricedCalls, undefined, col.perRun).text}</td>
            <td className="num">{percent(r.share)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr className="total" data-total-spend={t.spendMicros ?? ""}>
          <th scope="row">Total{t.rows > data.rows.length ? ` (all ${num(t.rows)} models)` : ""}</th>
          <td className="num" data-cell="spend">
            <Money micros={t.spendMicros} unpricedCalls={t.unpricedCalls} format={col.spend} />
          </td>
          <td />
          <td />
          <td className="num">{t.runs ? num(t.runs) : "—"}</td>
          <td />
          <td className="num">{t.spendMicros !== null && t.spendMicros > 0 ? percent(1) : "—"}</td>
        </tr>
      </tfoot>
    </table>
    {data.judgeModels.length > 0 && <JudgeModelsTable rows={data.judgeModels} />}
    </>
  );
}

/** What each judge model cost itself: the same judge spend as the rows' Judge column, by the judge's model. */
function JudgeModelsTable({ rows }: { rows: ByModel["judgeModels"] }) {
  const spendColumn = moneyColumn(rows.map((r) => r.spendMicros));
  return (
    <table aria-label="Judge models" style={{ marginTop: 16 }}>
      <caption style={{ textAlign: "left" }}>Judge models (the judge's own spend)</caption>
      <thead>
        <tr>
          <th>Judge model</th>
          <th className="num">Spend</th>
          <th className="num">Calls</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.model} data-judge-model={r.model}>
            <td>{r.model || "unknown"}</td>
            <td className="num" data-cell="spend">
              <Money micros={r.spendMicros} unpricedCalls={r.unpricedCalls} format={spendColumn} />
            </td>
            <td className="num">{num(r.calls)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
