// Test-only helpers for the unpriced-money tests: seeding through the real serve() handler, reading tRPC
// procedures and CSV exports over HTTP, and finding every money value in an answer.
import { expect } from "vitest";
import type { Tally } from "./harness.ts";
import { AUTH, PARENT } from "./harness.ts";

export const AT = Date.UTC(2026, 5, 1, 12);
export const WINDOW = { from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 5, 2), timeZone: "UTC" };

export interface Delivery {
  runId: string;
  model: string;
  customerId: string;
  promptTokens: number;
  completionTokens: number;
  /** Also run the judge (score-agent-output) on this run. */
  judged: boolean;
}

/** Each run's track-ai-costs (and score-agent-output) delivery through the real serve() handler. */
export async function deliver(tally: Tally, runs: Delivery[]): Promise<void> {
  for (const [i, r] of runs.entries()) {
    const parent = { ...PARENT, runId: r.runId };
    const ts = AT + i * 60_000;
    const costs = { model: r.model, promptTokens: r.promptTokens, completionTokens: r.completionTokens, customerId: r.customerId, ticketId: `T-${i}` };
    const out = await tally.executor.runDeferred({ fnSlug: "tally-track-ai-costs", input: costs }, parent, { runId: `${r.runId}-costs`, ts });
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    if (!r.judged) continue;
    const score = { response: "Refunded.", model: r.model, ticketId: `T-${i}`, customerId: r.customerId };
    const judged = await tally.executor.runDeferred({ fnSlug: "tally-score-agent-output", input: score }, parent, { runId: `${r.runId}-score`, ts: ts + 1000 });
    expect(judged.status, JSON.stringify(judged.error)).toBe("completed");
  }
}

const SAME_ORIGIN = (base: string) => ({ ...AUTH, "content-type": "application/json", origin: base, "sec-fetch-site": "same-origin" });

/** One tRPC procedure over HTTP with the harness admin key: a query by GET, a mutation by POST. */
export async function callProcedure(tally: Tally, path: string, type: string, input: unknown): Promise<unknown> {
  const url = `${tally.base}/api/trpc/${path}`;
  const res =
    type === "mutation"
      ? await fetch(url, { method: "POST", headers: SAME_ORIGIN(tally.base), body: JSON.stringify(input) })
      : await fetch(input === undefined ? url : `${url}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH });
  const body = (await res.json()) as { result?: { data: unknown } };
  expect(res.status, `${path}: ${JSON.stringify(body)}`).toBe(200);
  return body.result!.data;
}

/** One CSV export over HTTP, as rows of cells keyed by the header (the cells hold no quotes or commas). */
export async function readCsv(tally: Tally, table: string, input: unknown): Promise<Record<string, string>[]> {
  const res = await fetch(`${tally.base}/api/export/${table}.csv?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH });
  expect(res.status, table).toBe(200);
  const [header, ...lines] = (await res.text()).split("\r\n").filter((l) => l !== "");
  const names = header!.split(",");
  return lines.map((l) => {
    const cells = l.split(",");
    expect(cells, `${table}: ${l}`).toHaveLength(names.length);
    return Object.fromEntries(names.map((n, i) => [n, cells[i]!]));
  });
}

/** A money key: micro-USD amounts, a share of spend, and the per-bucket spend arrays of the charts. */
export const isMoneyKey = (key: string) => /micros$/i.test(key) || key === "share";
const MONEY_ARRAYS = new Set(["points", "sparkline"]);
/** A money column of a CSV export. */
export const isMoneyColumn = (name: string) => /(_usd|_micros|^share)$/.test(name);

/**
 * Calls `visit(path, value)` for every money value in `data` (array indices shown as `[]`; an object under a
 * money key, like `spendMicros: { total, agent, judge }`, is money in each of its fields), `points` and
 * `sparkline` elements included when they are numbers or null (quality points are objects, walked inside).
 */
export function eachMoney(data: unknown, visit: (path: string, value: unknown) => void, path = ""): void {
  if (Array.isArray(data)) {
    for (const v of data) eachMoney(v, visit, `${path}[]`);
    return;
  }
  if (typeof data !== "object" || data === null) return;
  for (const [k, v] of Object.entries(data)) {
    const p = path ? `${path}.${k}` : k;
    if (isMoneyKey(k) && typeof v === "object" && v !== null) for (const [sub, x] of Object.entries(v)) visit(`${p}.${sub}`, x);
    else if (isMoneyKey(k)) visit(p, v);
    else if (MONEY_ARRAYS.has(k) && Array.isArray(v) && v.every((x) => x === null || typeof x === "number")) for (const x of v) visit(`${p}[]`, x);
    else eachMoney(v, visit, p);
  }
}
