import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchRollups, recordUsage } from "@tally/inngest-functions";
import { fill } from "@tally/shared/pricing";
import { type FakeServer, fakeChatServer, verdict } from "./fake-servers.ts";
import { AUTH, PARENT, startTally, type Tally } from "./harness.ts";
import { callProcedure } from "./unpriced-money.ts";

// statement-lines.csv: the usage lines a customer's monthly statement counts, so finance can show what an invoice
// is made of. Runs whose lines fall in another month or name another customer than the run itself are the
// cases a runs list cannot reconcile: here the lines add up to each month's statement, for each customer.
const TZ = "UTC";
// gpt-4o: $2.50 / Mtok in, $10 / Mtok out. The judge gpt-4o-mini: $0.15 / $0.60 → 400 in + 60 out = 96 micro-USD.
const agentMicros = (inTok: number, outTok: number) => inTok * 2.5 + outTok * 10;
const JUDGE_LINE = 96;

interface Delivery {
  run: string;
  key: string;
  at: number;
  customer: string;
  tokens?: [number, number];
  model?: string;
  score?: boolean;
}
// Each run's FIRST delivery gives the run its time and customer; later ones keep their own on their lines.
const deliveries: Delivery[] = [
  { run: "plain", key: "plain-costs", at: Date.UTC(2026, 10, 10, 9), customer: "acme", tokens: [1000, 100] },
  { run: "plain", key: "plain-score", at: Date.UTC(2026, 10, 10, 9), customer: "acme", score: true },
  // Scored on Oct 31 23:50, its usage reported at Nov 1 00:10: the agent line is November's, the judge's October's.
  { run: "split-time", key: "split-time-score", at: Date.UTC(2026, 9, 31, 23, 50), customer: "acme", score: true },
  { run: "split-time", key: "split-time-costs", at: Date.UTC(2026, 10, 1, 0, 10), customer: "acme", tokens: [1_000_000, 0] },
  // One run, two customers' usage: acme's line is acme's, globex's is globex's.
  { run: "split-customer", key: "split-customer-a", at: Date.UTC(2026, 10, 12), customer: "acme", tokens: [400_000, 0] },
  { run: "split-customer", key: "split-customer-b", at: Date.UTC(2026, 10, 12, 1), customer: "globex", tokens: [800_000, 0] },
  { run: "unpriced", key: "unpriced-costs", at: Date.UTC(2026, 10, 20), customer: "acme", tokens: [500, 50], model: "acme-private-ft" },
  { run: "december", key: "december-costs", at: Date.UTC(2026, 11, 1), customer: "acme", tokens: [1000, 100] },
];

type Row = Record<string, string>;
const parse = (text: string): Row[] => {
  const [header, ...lines] = text.split("\r\n").filter((l) => l !== "");
  const names = header!.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((c, i) => [names[i]!, c])));
};
const priced = (rows: Row[]) => rows.filter((r) => r.cost_micros !== "").reduce((a, r) => a + Number(r.cost_micros), 0);

describe("statement-lines.csv", () => {
  let llm: FakeServer;
  let tally: Tally;
  const lines = async (customerId: string, month: string) => {
    const input = encodeURIComponent(JSON.stringify({ customerId, month, timeZone: TZ }));
    const res = await fetch(`${tally.base}/api/export/statement-lines.csv?input=${input}`, { headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="statement-lines_${customerId}_${month}_${TZ}.csv"`);
    return parse(await res.text());
  };
  const statement = async (customerId: string, month: string) =>
    (await callProcedure(tally, "spend.statement", "query", { customerId, month, timeZone: TZ })) as {
      totals: { spendMicros: number | null; agentSpendMicros: number | null; judgeSpendMicros: number | null; unpricedCalls: number };
    };

  beforeAll(async () => {
    llm = await fakeChatServer(() => ({ content: verdict({ helpfulness: 4, accuracy: 5, tone: 3 }), promptTokens: 400, completionTokens: 60 }));
    tally = await startTally({ JUDGE_BASE_URL: `${llm.url}/v1`, JUDGE_API_KEY: "sk-judge", JUDGE_MODEL: "gpt-4o-mini" });
    for (const d of deliveries) {
      const parent = { ...PARENT, runId: d.run };
      const call = d.score
        ? { fnSlug: "tally-score-agent-output", input: { response: "Refunded.", model: "gpt-4o", customerId: d.customer } }
        : { fnSlug: "tally-track-ai-costs", input: { model: d.model ?? "gpt-4o", promptTokens: d.tokens![0], completionTokens: d.tokens![1], customerId: d.customer } };
      const out = await tally.executor.runDeferred(call, parent, { runId: d.key, ts: d.at });
      expect(out.status, JSON.stringify(out.error)).toBe("completed");
    }
  }, 60_000);
  afterAll(async () => {
    await tally?.close();
    await llm?.close();
  });

  it("lists acme's November lines as the statement books them, and they add up to it", async () => {
    const rows = await lines("acme", "2026-11");
    expect(rows.map((r) => [r.booked_at, r.line_id, r.kind, r.model, r.called_model, r.cost_micros])).toEqual([
      ["2026-11-01T00:10:00+00:00", "split-time-costs:agent", "agent", "gpt-4o", "gpt-4o", String(agentMicros(1_000_000, 0))],
      ["2026-11-10T09:00:00+00:00", "plain-costs:agent", "agent", "gpt-4o", "gpt-4o", String(agentMicros(1000, 100))],
      // The judge line is booked at its run's time under the judged model.
      ["2026-11-10T09:00:00+00:00", "plain-score:judge", "judge", "gpt-4o", "gpt-4o-mini", String(JUDGE_LINE)],
      ["2026-11-12T00:00:00+00:00", "split-customer-a:agent", "agent", "gpt-4o", "gpt-4o", String(agentMicros(400_000, 0))],
      ["2026-11-20T00:00:00+00:00", "unpriced-costs:agent", "agent", "acme-private-ft", "acme-private-ft", ""],
    ]);
    expect(rows.every((r) => r.customer_id === "acme" && r.month === "2026-11" && r.time_zone === TZ)).toBe(true);
    expect(rows.find((r) => r.kind === "judge")).toMatchObject({ input_tokens: "400", output_tokens: "60", cost_usd: "0.000096" });
    const s = await statement("acme", "2026-11");
    const expected = agentMicros(1_000_000, 0) + agentMicros(1000, 100) + agentMicros(400_000, 0) + JUDGE_LINE;
    expect(priced(rows)).toBe(expected);
    expect(s.totals.spendMicros).toBe(expected);
    expect(priced(rows.filter((r) => r.kind === "agent"))).toBe(s.totals.agentSpendMicros);
    expect(priced(rows.filter((r) => r.kind === "judge"))).toBe(s.totals.judgeSpendMicros);
    expect(rows.filter((r) => r.cost_micros === "")).toHaveLength(s.totals.unpricedCalls);
  });

  it("names an unknown input key, Object.prototype's names included, in a 400", async () => {
    for (const key of ["constructor", "__proto__", "month2"]) {
      const input = `{"customerId":"acme","month":"2026-11","timeZone":"UTC","${key}":1}`;
      const res = await fetch(`${tally.base}/api/export/statement-lines.csv?input=${encodeURIComponent(input)}`, { headers: AUTH });
      expect(res.status, key).toBe(400);
      expect(JSON.stringify(await res.json()), key).toContain(key);
    }
  });

  it("gives October the split run's judge line, globex its own line of acme's run, and December its line", async () => {
    const october = await lines("acme", "2026-10");
    expect(october.map((r) => [r.line_id, r.booked_at])).toEqual([["split-time-score:judge", "2026-10-31T23:50:00+00:00"]]);
    expect(priced(october)).toBe((await statement("acme", "2026-10")).totals.spendMicros);
    const globex = await lines("globex", "2026-11");
    expect(globex.map((r) => [r.line_id, r.run_id, r.cost_micros])).toEqual([["split-customer-b:agent", "split-customer", String(agentMicros(800_000, 0))]]);
    expect(priced(globex)).toBe((await statement("globex", "2026-11")).totals.spendMicros);
    expect((await lines("acme", "2026-12")).map((r) => r.line_id)).toEqual(["december-costs:agent"]);
  });

  it("a long export leaves the server answering other requests between its pages", async () => {
    // 12,000 lines of one customer's month (12 pages), written in one transaction through the real writer.
    const at = Date.UTC(2026, 8, 1);
    await tally.db.transaction().execute((trx) =>
      batchRollups(trx, async () => {
        for (let i = 0; i < 12_000; i++) {
          const run = { runId: `bulk-${i}`, functionSlug: "bulk", model: "gpt-4o", customerId: "bulk", occurredAt: at + i * 1000, now: at + i * 1000 };
          await recordUsage(trx, run, { key: `bulk-${i}`, deferredRunId: `bulk-${i}`, kind: "agent", model: "gpt-4o", usage: fill({ input_tokens: 100 }) });
        }
      }),
    );
    const input = encodeURIComponent(JSON.stringify({ customerId: "bulk", month: "2026-09", timeZone: TZ }));
    // The writes above held this process (server and test share it) for seconds: the client's idle keep-alive
    // socket may be the one the server is closing just now. One request that may fail on it, so the export
    // below goes out on a live connection.
    await fetch(`${tally.base}/healthz`).catch(() => undefined);
    const order: string[] = [];
    const res = await fetch(`${tally.base}/api/export/statement-lines.csv?input=${input}`, { headers: AUTH });
    // The headers are here (the first page is written): a probe now is answered before the last page.
    const probe = fetch(`${tally.base}/healthz`).then((r) => order.push(`healthz ${r.status}`));
    const rows = parse(await res.text());
    order.push("export done");
    await probe;
    expect(order).toEqual(["healthz 200", "export done"]);
    expect(rows).toHaveLength(12_000);
  }, 120_000);

  it("pages through more lines than one page holds, in booking order, each once", async () => {
    // 1,000 is the page size: 1,202 lines in one customer's December, three to a minute.
    const at = Date.UTC(2026, 11, 2);
    for (let i = 0; i < 1_202; i++) {
      const out = await tally.executor.runDeferred(
        { fnSlug: "tally-track-ai-costs", input: { model: "gpt-4o", promptTokens: 10 * (i + 1), completionTokens: 0, customerId: "paged" } },
        { ...PARENT, runId: `paged-${i}` },
        { runId: `paged-${i}-costs`, ts: at + Math.floor(i / 3) * 60_000 },
      );
      expect(out.status).toBe("completed");
    }
    const rows = await lines("paged", "2026-12");
    expect(rows).toHaveLength(1_202);
    expect(new Set(rows.map((r) => r.line_id)).size).toBe(1_202);
    const order = rows.map((r) => `${r.booked_at} ${r.line_id}`);
    expect(order).toEqual([...order].sort());
    // 10·(i + 1) tokens at $2.50 / Mtok = 25·(i + 1) micro-USD each.
    expect(priced(rows)).toBe(Array.from({ length: 1_202 }, (_, i) => 25 * (i + 1)).reduce((a, b) => a + b, 0));
    expect(priced(rows)).toBe((await statement("paged", "2026-12")).totals.spendMicros);
  }, 120_000);
});
