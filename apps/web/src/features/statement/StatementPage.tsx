import { useQuery } from "@tanstack/react-query";
import { ExportLink } from "../../components/ExportLink.tsx";
import { Link } from "../../components/Link.tsx";
import { Money } from "../../components/Money.tsx";
import { ErrorState, Skeleton } from "../../components/States.tsx";
import { customerLabel, dateTime, fixedPercent, money, moneyColumn, moneyColumnDigits, num, pricedMoney, roundedRowsDisagree } from "../../lib/format.ts";
import { useLocation } from "../../lib/router.ts";
import { type RouterOutputs, useTRPC } from "../../lib/trpc.ts";
import { readStatementParams, spendBackHref } from "./statement-url.ts";
import "./statement.css";
import { ScrollRegion } from "../../components/ScrollRegion.tsx";

type Figures = { spendMicros: number | null; agentSpendMicros: number | null; judgeSpendMicros: number | null; unpricedCalls: number; agentUnpricedCalls: number; judgeUnpricedCalls: number; runs: number };

/**
 * A customer's monthly statement for invoicing (spend.statement): totals, per model and per local day, and the
 * budget. Printable: the print stylesheet drops the navigation and the filter bar.
 */
export default function StatementPage() {
  const trpc = useTRPC();
  const { search } = useLocation();
  const input = readStatementParams(search);
  const q = useQuery(trpc.spend.statement.queryOptions(input));
  if (q.isPending) return <Skeleton height={400} label="loading statement" />;
  if (q.data === undefined) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  const s = q.data;
  const monthName = new Date(`${s.month}-15T00:00:00Z`).toLocaleString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
  const csv = (table: string) => `/api/export/${table}.csv?input=${encodeURIComponent(JSON.stringify(input))}`;
  const rows = [...s.days, ...s.models, s.totals];
  const column = { agent: moneyColumn(rows.map((r) => r.agentSpendMicros)), judge: moneyColumn(rows.map((r) => r.judgeSpendMicros)), total: moneyColumn(rows.map((r) => r.spendMicros)) };
  // Rows rounded for display may add up to a cent more or less than the exact total: say so where they do.
  const measures = ["agentSpendMicros", "judgeSpendMicros", "spendMicros"] as const;
  const disagree = (part: Figures[]) =>
    measures.some((m) => roundedRowsDisagree(part.map((r) => r[m]), s.totals[m], moneyColumnDigits(rows.map((r) => r[m]))));
  const roundingNote = (part: Figures[]) =>
    disagree(part) ? (
      <p className="small muted" data-rounding-note>
        Amounts are rounded for display; each total is the exact sum, so the rounded rows above it may add up to a little more or less. The CSV holds exact micro-dollars.
      </p>
    ) : null;
  const cells = (f: Figures) => (
    <>
      <td className="num"><Cell micros={f.agentSpendMicros} unpriced={f.agentUnpricedCalls} format={column.agent} /></td>
      <td className="num"><Cell micros={f.judgeSpendMicros} unpriced={f.judgeUnpricedCalls} format={column.judge} /></td>
      <td className="num" data-spend={f.spendMicros ?? ""}><Cell micros={f.spendMicros} unpriced={f.unpricedCalls} format={column.total} /></td>
      <td className="num">{num(f.runs)}</td>
    </>
  );
  const head = (first: string) => (
    <thead>
      <tr><th>{first}</th><th className="num">Agent spend</th><th className="num">Judge spend</th><th className="num">Total</th><th className="num">Runs</th></tr>
    </thead>
  );
  const total = (
    <tfoot>
      <tr className="total"><th scope="row">Total</th>{cells(s.totals)}</tr>
    </tfoot>
  );
  return (
    <article className="statement stack" data-statement-total={s.totals.spendMicros ?? ""}>
      <div className="row no-print">
        <Link href={spendBackHref(search)}>← Spend</Link>
        <button type="button" className="btn" onClick={() => window.print()}>Print</button>
        <ExportLink className="btn" href={csv("statement")}>Download CSV</ExportLink>
        <ExportLink className="btn" href={csv("statement-lines")} data-testid="export-statement-lines">Line items CSV</ExportLink>
      </div>
      <header>
        <h1>Statement: {customerLabel(s.customer.id, s.customer.name)}</h1>
        <p className="muted">
          {monthName}, {s.timeZone} · customer id <span className="mono">{s.customer.id || "(unattributed)"}</span> ·{" "}
          <span data-as-of={s.asOf}>figures as of {dateTime(s.asOf, s.timeZone)}</span>
        </p>
      </header>
      <dl className="facts">
        <dt>Total spend</dt>
        <dd data-kpi="total"><Money micros={s.totals.spendMicros} unpricedCalls={s.totals.unpricedCalls} /></dd>
        <dt>Agent / judge</dt>
        <dd><Money micros={s.totals.agentSpendMicros} unpricedCalls={s.totals.agentUnpricedCalls} /> / <Money micros={s.totals.judgeSpendMicros} unpricedCalls={s.totals.judgeUnpricedCalls} /></dd>
        <dt>Unpriced usage</dt>
        <dd data-kpi="unpriced">{s.totals.unpricedCalls ? `${num(s.totals.unpricedCalls)} calls not priced (not included above)` : "none"}</dd>
        <dt>Monthly budget</dt>
        <dd data-kpi="budget">{s.customer.budgetMicros === null ? "none set" : <><Money micros={s.customer.budgetMicros} unpricedCalls={0} /> · {s.budgetUse === null ? "no priced spend" : `${fixedPercent(s.budgetUse)} used`}</>}</dd>
      </dl>
      {s.restatements.length > 0 || s.lateLines ? <Changes s={s} /> : null}
      <section>
        <h2>By model</h2>
        <ScrollRegion label="By model"><table aria-label="By model">
          {head("Model")}
          <tbody>
            {s.models.map((m) => <tr key={m.model} data-model={m.model}><td className="mono">{m.model || "unknown"}</td>{cells(m)}</tr>)}
          </tbody>
          {total}
        </table></ScrollRegion>
        <p className="small muted">Judge spend is the judge's cost of scoring each model's runs.</p>
        {roundingNote(s.models)}
      </section>
      <section>
        <h2>By day</h2>
        <ScrollRegion label="By day"><table aria-label="By day">
          {head(`Day (${s.timeZone})`)}
          <tbody>
            {s.days.map((d) => <tr key={d.date} data-day={d.date}><td>{d.date}</td>{cells(d)}</tr>)}
          </tbody>
          {total}
        </table></ScrollRegion>
        {roundingNote(s.days)}
      </section>
    </article>
  );
}

/** A money cell in its column's precision, with the unpriced calls beside it (never $0 for what was not priced). */
function Cell({ micros, unpriced, format }: { micros: number | null; unpriced: number; format: (micros: number | null | undefined) => string }) {
  const m = pricedMoney(micros, unpriced, undefined, format);
  return (
    <>
      {m.text}
      {m.note ? <div className="small muted">{m.note}</div> : null}
    </>
  );
}

type StatementData = RouterOutputs["spend"]["statement"];

/** Money in a sentence: the priced figure and the unpriced calls beside it on one line ("$1.20 and 3 unpriced calls"). */
function inline(micros: number | null, unpricedCalls: number): string {
  const calls = `${num(unpricedCalls)} unpriced call${unpricedCalls === 1 ? "" : "s"}`;
  if (micros === null) return unpricedCalls > 0 ? calls : pricedMoney(null, 0).text;
  return unpricedCalls > 0 ? `${money(micros)} and ${calls}` : money(micros);
}

/**
 * What changed the statement after its month: usage recorded late, and repricing jobs that changed the cost of
 * its lines, each with what a copy read before it showed (spend.statement `lateLines`, `restatements`).
 */
function Changes({ s }: { s: StatementData }) {
  const late = s.lateLines;
  const before = s.beforeRestatements;
  return (
    <section className="restated" aria-labelledby="restated-head" data-restated={s.restatements.length}>
      <h2 id="restated-head">{s.restatements.length > 0 ? "Restated after repricing" : "Usage recorded after the month ended"}</h2>
      {late ? (
        <p data-late-lines={late.lines} data-late-spend={late.spendMicros ?? ""}>
          {num(late.lines)} usage line{late.lines === 1 ? " was" : "s were"} recorded after the month ended ({dateTime(late.firstAt, s.timeZone)}
          {late.lastAt !== late.firstAt ? ` to ${dateTime(late.lastAt, s.timeZone)}` : ""}), adding {inline(late.spendMicros, late.unpricedCalls)}: a copy read
          before then does not have them.
        </p>
      ) : null}
      {before ? (
        <>
          <p>
            Prices of this month's usage changed after it was recorded. Read just before the first change ({dateTime(before.at, s.timeZone)}), this
            statement totalled <strong data-before-restatements={before.spendMicros ?? ""}>{inline(before.spendMicros, before.unpricedCalls)}</strong>. The
            figures on this page include every change.
          </p>
          <ul>
            {s.restatements.map((j) => {
              const d = j.changeMicros;
              return (
                <li key={j.jobId} data-job={j.jobId} data-restated-by={d}>
                  {dateTime(j.at, s.timeZone)}: {num(j.lines)} line{j.lines === 1 ? "" : "s"} repriced ({j.reason}
                  {j.createdBy ? `, by ${j.createdBy}` : ""}), {inline(j.beforeMicros, j.beforeUnpricedCalls)} → {inline(j.afterMicros, j.afterUnpricedCalls)} (
                  {d > 0 ? "+" : d < 0 ? "−" : "±"}
                  {money(Math.abs(d))}) · job <span className="mono">{j.jobId}</span>
                </li>
              );
            })}
          </ul>
        </>
      ) : null}
    </section>
  );
}
