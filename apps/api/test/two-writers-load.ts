/**
 * Two writers on one SQLite file (issue 15): Tally servers in Node processes of their own (server-process.ts)
 * fed deferred track-ai-costs deliveries through the real serve() handler, each key delivered 1–3 times, its
 * copies to different processes at about the same moment, while readers ask every server for tRPC
 * aggregates, in UTC and in a zone that gets a local calendar (filled in the background meanwhile). Every
 * delivery gets ONE attempt: a `database is locked` is a failed delivery here, not a retry hidden by the
 * executor. Used by two-writers.test.ts (bounded) and bench/two-writers.bench.ts (60 s).
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { mulberry32 } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import { Executor } from "./executor.ts";
import { AUTH, TEST_API_KEY } from "./harness.ts";

const DAY = 86_400_000;
export const UNPRICED_MODEL = "acme-llm-unpriced";
const MODELS = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-20250514", UNPRICED_MODEL];
export const ZONES = ["UTC", "Asia/Kolkata"] as const;

export interface Writer {
  base: string;
  executor: Executor;
  /** How often the server's stderr said `database is locked`. */
  lockedLogs(): number;
  /** The server's last 4,000 characters of stderr. */
  logs(): string;
  stop(): Promise<void>;
  /** SIGKILL: no shutdown, no commit of what is in flight. Resolves once the process is gone. */
  kill(): Promise<void>;
}

/**
 * A Tally server in a new Node process (tsx) on `dbFile` (a SQLite file or a postgres:// URL), with the admin
 * API key (TALLY_INIT_API_KEY) its readers send, and `env` on top.
 */
export async function startWriter(dbFile: string, env: Record<string, string> = {}): Promise<Writer> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./server-process.ts", import.meta.url))], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: { PATH: process.env.PATH ?? "", INNGEST_DEV: "1", DATABASE_URL: dbFile, TALLY_INIT_API_KEY: TEST_API_KEY, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let locked = 0;
  let tail = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    locked += d.split("database is locked").length - 1;
    tail = (tail + d).slice(-4000);
  });
  const exited = new Promise<number | null>((r) => child.once("exit", r));
  const port = await new Promise<number>((ok, fail) => {
    createInterface({ input: child.stdout }).on("line", (l) => {
      const m = /^\{"port":(\d+)\}$/.exec(l);
      if (m) ok(Number(m[1]));
    });
    void exited.then((code) => fail(new Error(`writer process exited (${code}) before listening:\n${tail}`)));
  });
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    executor: new Executor(`${base}/api/inngest`),
    lockedLogs: () => locked,
    logs: () => tail,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(killer);
      if (code !== 0) throw new Error(`writer process exited with ${code}:\n${tail}`);
    },
  };
}

export interface Line {
  key: string;
  parentRunId: string;
  ts: number;
  input: { model: string; customerId: string; promptTokens: number; completionTokens: number };
}

/** Usage line `i`: two per parent run (so both processes upsert the same runs), 4 models (one unpriced), 37 customers, over the 2 days before t0. */
export function line(i: number, t0: number): Line {
  const parent = i >> 1;
  return {
    key: `tw-${i}`,
    parentRunId: `tw-parent-${parent}`,
    ts: t0 - 2 * DAY + ((parent * 7_919_000) % (2 * DAY)),
    input: { model: MODELS[i % MODELS.length]!, customerId: `cust-${parent % 37}`, promptTokens: 100 + (i % 900), completionTokens: 10 + (i % 300) },
  };
}

/**
 * Deliveries of lines 0, 1, 2, … (`lines` of them, else without end): each key `minCopies` to 3 times, evenly
 * (default 1: a third once, a third twice, a third three times); the second copy goes to another process
 * than the first, the third to any. Copies are shuffled within 8 places, so the copies of one key are in
 * flight at once.
 */
export function* deliveries(processes: number, seed: number, o: { minCopies?: number; lines?: number } = {}): Generator<{ line: number; to: number }> {
  const rand = mulberry32(seed);
  const min = o.minCopies ?? 1;
  const pending: { line: number; to: number }[] = [];
  for (let i = 0; i < (o.lines ?? Infinity); i++) {
    const copies = min + Math.floor(rand() * (4 - min));
    const first = Math.floor(rand() * processes);
    for (let c = 0; c < copies; c++) pending.push({ line: i, to: c === 0 ? first : c === 1 ? (first + 1) % processes : Math.floor(rand() * processes) });
    while (pending.length > 8) yield pending.splice(Math.floor(rand() * pending.length), 1)[0]!;
  }
  while (pending.length > 0) yield pending.splice(Math.floor(rand() * pending.length), 1)[0]!;
}

export interface LoadOptions {
  t0: number;
  /** Deliveries in flight per process. */
  concurrency: number;
  /** Read loops per process, and each loop's pause between reads (a dashboard, not a flood). */
  readers: number;
  readPauseMs: number;
  /** Stop after this many deliveries, or after this long, whichever comes first. */
  deliveries?: number;
  seconds?: number;
  seed?: number;
  /** Every line delivered minCopies to 3 times (default 1), and only `lines` lines (default: as many as time or `deliveries` allow). */
  minCopies?: number;
  lines?: number;
}

export interface LoadResult {
  seconds: number;
  /** Deliveries sent to each process. */
  perProcess: number[];
  failed: number;
  /** Failure message (its first 120 characters) → count. */
  errors: Record<string, number>;
  latenciesMs: number[];
  /** Lines with at least one completed delivery. */
  completed: Set<number>;
  reads: number;
  readLatenciesMs: number[];
  readFailures: string[];
}

/** The tRPC reads every reader cycles through (in each of ZONES), over the window the lines fall in. */
const READS: [string, Record<string, unknown>][] = [
  ["overview.summary", {}],
  ["spend.byCustomer", { limit: 20 }],
  ["runs.list", { limit: 50 }],
  ["spend.timeseries", { bucket: "day", splitBy: "customer", top: 7 }],
];

export function readWindow(t0: number) {
  return { from: t0 - 3 * DAY, to: t0 };
}

export async function trpc(base: string, path: string, input: unknown): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: AUTH });
  return { status: res.status, body: await res.text() };
}

export async function runLoad(writers: Writer[], o: LoadOptions): Promise<LoadResult> {
  const stream = deliveries(writers.length, o.seed ?? 15, { minCopies: o.minCopies, lines: o.lines });
  const r: LoadResult = { seconds: 0, perProcess: writers.map(() => 0), failed: 0, errors: {}, latenciesMs: [], completed: new Set(), reads: 0, readLatenciesMs: [], readFailures: [] };
  const start = performance.now();
  const deadline = start + (o.seconds ?? Infinity) * 1000;
  const limit = o.deliveries ?? Infinity;
  let sent = 0;
  const fail = (message: string) => {
    r.failed++;
    const m = message.slice(0, 120);
    r.errors[m] = (r.errors[m] ?? 0) + 1;
  };
  const deliver = async () => {
    while (sent < limit && performance.now() < deadline) {
      const next = stream.next();
      if (next.done) break;
      sent++;
      const d = next.value;
      const l = line(d.line, o.t0);
      r.perProcess[d.to]!++;
      const t = performance.now();
      try {
        const out = await writers[d.to]!.executor.runDeferred(
          { fnSlug: "tally-track-ai-costs", input: l.input },
          { fnSlug: "tally-two-writers-parent", runId: l.parentRunId },
          { runId: l.key, ts: l.ts, maxAttempts: 1 },
        );
        if (out.status === "completed") r.completed.add(d.line);
        else fail(`HTTP ${out.httpStatus}: ${errorMessage(out.error)}`);
      } catch (e) {
        fail(String(e));
      }
      r.latenciesMs.push(performance.now() - t);
    }
  };
  let loading = true;
  const read = async (w: Writer, n: number) => {
    for (let i = n; loading; i++) {
      const [path, input] = READS[i % READS.length]!;
      const t = performance.now();
      try {
        const res = await trpc(w.base, path, { ...readWindow(o.t0), timeZone: ZONES[Math.floor(i / READS.length) % ZONES.length], ...input });
        if (res.status !== 200) r.readFailures.push(`${path}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      } catch (e) {
        r.readFailures.push(`${path}: ${String(e)}`);
      }
      r.readLatenciesMs.push(performance.now() - t);
      r.reads++;
      await new Promise((ok) => setTimeout(ok, o.readPauseMs));
    }
  };
  const readers = writers.flatMap((w) => Array.from({ length: o.readers }, (_, n) => read(w, n)));
  await Promise.all(Array.from({ length: o.concurrency * writers.length }, deliver));
  r.seconds = (performance.now() - start) / 1000;
  loading = false;
  await Promise.all(readers);
  return r;
}

function errorMessage(error: unknown): string {
  const e = error as { message?: unknown } | null;
  return typeof e?.message === "string" ? e.message : JSON.stringify(error);
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

export interface RawTotals {
  rows: number;
  calls: number;
  inputTokens: number;
  costMicros: number;
  unpricedCalls: number;
  runs: number;
}

/**
 * The raw rows' totals, and every way the rollups disagree with them: each usage and runs rollup table's
 * totals (each complete local calendar and each complete promoted tag key apart), and the 15-minute rows key by key.
 */
export async function consistency(db: Db): Promise<{ raw: RawTotals; mismatches: string[] }> {
  const one = async <T>(q: string) => (await sql.raw<T>(q).execute(db)).rows[0]!;
  const usage = (from: string) => `select count(*) as rows, coalesce(sum(calls), 0) as calls, coalesce(sum(input_tokens), 0) as inputTokens, coalesce(sum(cost_micros), 0) as costMicros, coalesce(sum(unpriced_calls), 0) as unpricedCalls from ${from}`;
  const rawUsage = await one<Omit<RawTotals, "runs">>(usage("(select 1 as calls, input_tokens, coalesce(cost_micros, 0) as cost_micros, cost_micros is null as unpriced_calls from usage_costs)"));
  const raw: RawTotals = { ...rawUsage, runs: (await one<{ n: number }>("select count(*) as n from runs")).n };
  const want = JSON.stringify([raw.calls, raw.inputTokens, raw.costMicros, raw.unpricedCalls]);
  const mismatches: string[] = [];
  const tables = (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and (name like 'rollup_usage_%' or name like 'rollup_runs_%') order by name`.execute(db)).rows.map((t) => t.name);
  const calendars = (await sql<{ id: number }>`select id from rollup_calendars where filled_to is null`.execute(db)).rows.map((c) => c.id);
  const tagKeys = (await sql<{ tag_key: string }>`select tag_key from rollup_tag_keys where filled_to is null`.execute(db)).rows.map((k) => k.tag_key);
  // A calendar's table per calendar, a tag cuboid's per promoted key, a tag cuboid's calendar per both.
  const parts = (table: string) => {
    const byCalendar = table.endsWith("_local") ? calendars.map((id) => [`calendar = ${id}`]) : [[]];
    const byKey = /_tag(_only|_model|_customer)?_[^_]+$/.test(table) ? tagKeys.map((k) => [`tag_key = '${k.replace(/'/g, "''")}'`]) : [[]];
    return byCalendar.flatMap((c) => byKey.map((k) => [...c, ...k])).map((conds) => (conds.length > 0 ? ` where ${conds.join(" and ")}` : ""));
  };
  for (const table of tables) {
    for (const where of parts(table)) {
      const name = `${table}${where}`;
      if (table.startsWith("rollup_runs_")) {
        const got = (await one<{ n: number }>(`select coalesce(sum(runs), 0) as n from ${table}${where}`)).n;
        if (got !== raw.runs) mismatches.push(`${name}: ${got} runs ≠ ${raw.runs}`);
      } else {
        const t = await one<RawTotals>(usage(`${table}${where}`));
        const got = JSON.stringify([t.calls, t.inputTokens, t.costMicros, t.unpricedCalls]);
        if (got !== want) mismatches.push(`${name}: [calls, input, cost, unpriced] ${got} ≠ ${want}`);
      }
    }
  }
  const keyed = [
    [
      "select bucket, model, customer_id, kind, calls, input_tokens, output_tokens, cost_micros, unpriced_calls from rollup_usage_15m",
      "select occurred_at - occurred_at % 900000, model, customer_id, kind, count(*), sum(input_tokens), sum(output_tokens), coalesce(sum(cost_micros), 0), sum(cost_micros is null) from usage_costs group by 1, 2, 3, 4",
    ],
    [
      "select bucket, model, customer_id, function_slug, runs from rollup_runs_15m",
      "select occurred_at - occurred_at % 900000, model, customer_id, function_slug, count(*) from runs group by 1, 2, 3, 4",
    ],
  ];
  for (const [rollup, rows] of keyed) {
    const n = await one<{ n: number }>(`select count(*) as n from (select * from (${rollup} except ${rows}) union all select * from (${rows} except ${rollup}))`);
    if (n.n !== 0) mismatches.push(`${n.n} rows differ between "${rollup}" and its raw rows`);
  }
  return { raw, mismatches };
}
