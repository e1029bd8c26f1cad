/**
 * Issue 20: migrating an existing database to the rollup catalogue leaves every answer unchanged.
 *
 * The fixture (test/fixtures/make-pre-catalogue.ts, made on commit 89c21a0 before migration 0013) is a
 * database written by that code's writers and the answers that code gave over it: every aggregate
 * procedure over 1 d / 30 d / 90 d windows in UTC, Asia/Kolkata (a local calendar) and America/New_York,
 * unfiltered and by model, customer and both, with statements, budgets and runs pages. This test copies
 * it, opens it with today's code (migrations run), fills the local calendars to completion as the server
 * does (syncCalendars with TALLY_TIME_ZONES, then the calendar keeper's background fill), and asks every
 * recorded input again: each answer must deep-equal the recorded one. It also checks every rollup table
 * against a GROUP BY of the raw rows (fixtures/rollups-from-raw.ts, independent of the writers).
 *
 * No field is excluded for the clock: the fixture's answers were made with the tRPC context's clock at
 * END (the same `fixtureCaller` asks here), and no aggregate reads the wall clock; customers' createdAt /
 * updatedAt are stored values (the seed's, at END). Answers are compared as JSON (what the API sends).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { gunzipSync } from "node:zlib";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { monthsIn } from "@tally/shared";
import { connect, type Db, syncCalendars } from "@tally/shared/db";
import { testEngine } from "@tally/shared/db/testing";
import { createCalendarKeeper } from "../src/calendar-keeper.ts";
import { type AnswerCase, answer } from "./fixtures/make-pre-catalogue.ts";
import { compareRollupsWithRaw } from "./fixtures/rollups-from-raw.ts";
import { spendSeriesFromRaw } from "./fixtures/spend-series-from-raw.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");
const recorded = JSON.parse(readFileSync(join(FIXTURES, "pre-catalogue-answers.json"), "utf8")) as {
  end: number;
  calendarZones: string[];
  cases: AnswerCase[];
};

// SQLite only: the fixture is a SQLite file written by the pre-catalogue code (PostgreSQL support came later,
// so no PostgreSQL database was ever in that layout).
const onSqlite = testEngine() === "sqlite";
let dir: string;
let db: Db;
let premigration: string[];

beforeAll(async () => {
  if (!onSqlite) return;
  dir = mkdtempSync(join(tmpdir(), "tally-migrate-catalogue-"));
  const file = join(dir, "tally.db");
  writeFileSync(file, gunzipSync(readFileSync(join(FIXTURES, "pre-catalogue.db.gz"))));
  const old = await connect({ url: file, migrate: false });
  premigration = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(old)).rows.map((r) => r.name);
  await old.destroy();
  db = await connect({ url: file });
  // As createApp does: configured zones synced without a fill, then the keeper fills in the background.
  await syncCalendars(db, recorded.calendarZones, { now: recorded.end, fill: false });
  const keeper = createCalendarKeeper(db, { cap: 0 });
  keeper.fill();
  await keeper.idle();
}, 120_000);

afterAll(async () => {
  await db?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.runIf(onSqlite)("a pre-catalogue database migrated to today's layout", () => {
  it("was written before the catalogue (migrations up to 0012) and now has every migration", async () => {
    expect(premigration.at(-1)).toMatch(/^0012-/);
    expect(premigration.some((m) => m.startsWith("0013-"))).toBe(false);
    const now = (await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db)).rows.map((r) => r.name);
    expect(now.length).toBeGreaterThan(premigration.length);
  });

  it("keeps its local calendars, filled to completion", async () => {
    const cals = (await sql<{ time_zone: string; unit: string; filled_to: number | null }>`
      select time_zone, unit, filled_to from rollup_calendars order by time_zone, unit`.execute(db)).rows;
    expect(cals).toEqual([
      { time_zone: "Asia/Kolkata", unit: "day", filled_to: null },
      { time_zone: "Asia/Kolkata", unit: "week", filled_to: null },
    ]);
  });

  it("answers every recorded input as the old code did", { timeout: 300_000 }, async () => {
    expect(recorded.cases.length).toBeGreaterThan(400);
    const differ: string[] = [];
    let respent = 0;
    for (const [i, c] of recorded.cases.entries()) {
      const now = withoutStudentT(c.path, await answer(db, c.path, c.input));
      const label = `case ${i}: ${c.path} ${JSON.stringify(c.input)}`;
      let want = c.error ? { error: c.error } : withoutStudentT(c.path, { answer: await changedSinceRecorded(db, c.path, c.answer, c.input) });
      if (c.path === "spend.timeseries" && !c.error) {
        // The judge's spend now counts under the run it judged: the raw recomputation that gives the recorded
        // answer with the old rule gives today's with the new one.
        const [input, old] = [c.input as Parameters<typeof spendSeriesFromRaw>[1], c.answer as Parameters<typeof spendSeriesFromRaw>[2]];
        expect(await spendSeriesFromRaw(db, input, old, "line"), `${label} (old rule)`).toEqual(c.answer);
        want = { answer: await spendSeriesFromRaw(db, input, old, "run") };
        if (!isDeepStrictEqual(want.answer, c.answer)) respent++;
      }
      if (!isDeepStrictEqual(cursorAsPosition(now), cursorAsPosition(want))) differ.push(label);
      expect.soft(cursorAsPosition(now), label).toEqual(cursorAsPosition(want));
    }
    expect(differ, `${differ.length} of ${recorded.cases.length} answers changed`).toEqual([]);
    // The model splits and model filters (72 of the 96 spend.timeseries cases) moved judge spend; the customer splits did not.
    expect(respent).toBe(72);
  });

  it("holds, in every rollup table, exactly the GROUP BY of the raw rows", { timeout: 120_000 }, async () => {
    const { tables, differences } = await compareRollupsWithRaw(db);
    expect(differences).toEqual([]);
    // Every fact's tables were compared and hold rows (a tag table is empty while no tag key is promoted).
    for (const fact of ["runs", "usage", "scores", "score_bins"]) {
      const mine = Object.entries(tables).filter(([t]) => t.startsWith(`rollup_${fact}_`));
      expect(mine.length, fact).toBeGreaterThan(0);
      expect(mine.reduce((n, [, rows]) => n + rows, 0), fact).toBeGreaterThan(1000);
    }
  });
});

/**
 * The answers' intended changes since the fixture was recorded (89c21a0), each named:
 * - quality.agreement's `disagreementsLink` now leads to the row's disagreements (issue 19): its judge model and
 *   rubric version, and `disagree=1`, after the status and score name it had.
 * - spend.timeseries counts the judge's spend under the run it judged (spendSeriesFromRaw, in the test above).
 * - quality.compareModels and quality.costVsQuality answer `corrected` (false here).
 * - spend.statement answers `asOf` (the caller's clock), `restatements`, `beforeRestatements` and `lateLines` (none here).
 * - intervals and tests on scores use Student's t (withoutStudentT, above).
 */
/**
 * Intervals and tests moved from the normal approximation to Student's t (intended): quality.trend's ciLow, ciHigh
 * and changeP, quality.compareModels' intervals, df, p and significance, and the budget forecast's interval bounds
 * are left out of the comparison on both sides; every figure from the data (n, means, sums, z, spend) still is.
 * quality.test, agreement.test, series.test, forecast.test and student-t.test check those fields against an
 * independent t (stats/t-oracle.ts, closed forms).
 */
const STUDENT_T_FIELDS: Record<string, readonly string[]> = {
  "quality.trend": ["ciLow", "ciHigh", "changeP"],
  "quality.compareModels": ["ciLow", "ciHigh", "diffLow", "diffHigh", "df", "p", "significant"],
  "alerts.budgets": ["lowMicros", "highMicros"],
};
function withoutStudentT<T>(path: string, value: T): T {
  const fields = STUDENT_T_FIELDS[path];
  if (!fields) return value;
  const strip = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(strip) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).filter(([k]) => !fields.includes(k)).map(([k, x]) => [k, strip(x)])) : v;
  return strip(value) as T;
}

/**
 * A runs.list answer with its next cursor read as the place it resumes from (sort, key, run id): cursors carry
 * the list's selection too since 2026-12-07, so the token differs from the recorded one while the place does not.
 */
function cursorAsPosition(x: unknown): unknown {
  const a = (x as { answer?: { nextCursor?: unknown } }).answer;
  if (typeof a?.nextCursor !== "string") return x;
  const { s, k, id } = JSON.parse(Buffer.from(a.nextCursor, "base64url").toString("utf8")) as { s: string; k: number; id: string };
  return { ...(x as object), answer: { ...a, nextCursor: { s, k, id } } };
}

async function changedSinceRecorded(db: Db, path: string, recordedAnswer: unknown, input: unknown): Promise<unknown> {
  if (path === "spend.byCustomer" && recordedAnswer) {
    // Since 2026-12-07 a row has its budget for the period, month by month: the fixture's budgets never changed, so
    // it is the monthly budget × the window's months in the zone (each counted by its share); none is partial.
    const a = recordedAnswer as { window: { from: number; to: number }; rows: { budgetMicros: number | null }[] };
    const months = monthsIn(a.window.from, a.window.to, (input as { timeZone?: string }).timeZone ?? "UTC");
    const rows = a.rows.map((r) => ({ ...r, periodBudgetMicros: r.budgetMicros === null ? null : Math.round(r.budgetMicros * months), budgetPartial: false }));
    return { ...a, rows, budgetPeriod: { ...a.window, months } };
  }
  if (path === "runs.list") {
    // runs.list answers each run's usage lines by kind since (2026-12-06): counted here from the raw lines.
    const a = recordedAnswer as { items: { runId: string }[] };
    const ids = a.items.map((r) => r.runId);
    const lines = ids.length ? await db.selectFrom("usage_costs").select(["run_id", "kind"]).where("run_id", "in", ids).execute() : [];
    const count = (id: string, kind: string) => lines.filter((l) => l.run_id === id && l.kind === kind).length;
    return { ...a, items: a.items.map((r) => ({ ...r, agentCalls: count(r.runId, "agent"), judgeCalls: count(r.runId, "judge") })) };
  }
  // Since 2026-12-07 the comparison and cost vs quality say whether they are human-corrected, as the trend does
  // (`corrected`: false for every recorded input, which never asked for it).
  if (path === "quality.compareModels") return { ...(recordedAnswer as object), corrected: false };
  // Since 2026-12-07 a statement says when it was read (the caller's now, the fixture's end), which repricing
  // jobs restated it (none: the fixture never repriced) and its lines recorded after the month (none: the
  // fixture records each line seconds after it occurred).
  if (path === "spend.statement" && recordedAnswer) return { ...(recordedAnswer as object), asOf: recorded.end, restatements: [], beforeRestatements: null, lateLines: null };
  if (path === "quality.costVsQuality") {
    // $ per passing run counts the judge's spend on the model's runs since (2026-12-06), as cost per run does.
    const a = recordedAnswer as { rows: CostRow[] };
    return { ...a, corrected: false, rows: a.rows.map((r) => ({ ...r, costPerPassingRunMicros: costPerPassingRun(r) })) };
  }
  if (path !== "quality.agreement") return recordedAnswer;
  const a = recordedAnswer as { rows: { disagreementsLink: string; judgeModel: string; rubricVersion: string }[] };
  const rows = a.rows.map((r) => {
    const link = `${r.disagreementsLink}&judgeModel=${encodeURIComponent(r.judgeModel)}&rubricVersion=${encodeURIComponent(r.rubricVersion)}&disagree=1`;
    return { ...r, disagreementsLink: link };
  });
  return { ...a, rows };
}

interface CostRow {
  agentSpendMicros: number | null;
  judgeSpendMicros: number | null;
  unpricedCalls: number;
  judgeUnpricedCalls: number;
  pricedRuns: number;
  passing: number;
}

/** (agent + judge priced spend) / passing runs, rounded; null with any unpriced call, no priced run or no passing run. */
function costPerPassingRun(r: CostRow): number | null {
  if (r.unpricedCalls > 0 || r.judgeUnpricedCalls > 0 || r.pricedRuns === 0 || r.passing === 0) return null;
  return Math.round(((r.agentSpendMicros ?? 0) + (r.judgeSpendMicros ?? 0)) / r.passing);
}
