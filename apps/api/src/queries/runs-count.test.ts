import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syncTagKeys } from "@tally/shared/db";
import { fillTagKeys } from "@tally/inngest-functions";
import { countRuns, type CountFilter } from "./runs-count.ts";
import { fixture, openTestDb, type RunSpec, seedPrices, seedRuns, type TestDb } from "./test-support.ts";

const DAY = 86_400_000;
const QUARTER = 900_000;
const START = Date.UTC(2026, 4, 1);
let t: TestDb;
let runs: RunSpec[];

beforeAll(async () => {
  t = await openTestDb();
  await seedPrices(t);
  runs = fixture(START, 4, 300, 11);
  await seedRuns(t.db, runs);
  await syncTagKeys(t.db, ["env"]); // promoted after the runs: filled from the raw rows
  await fillTagKeys(t.db);
}, 300_000);
afterAll(() => t.close());

/** The runs a filter selects, from the fixture itself (no database). */
function expected(f: CountFilter): number {
  return runs.filter(
    (r) =>
      r.occurredAt >= f.from &&
      r.occurredAt < f.to &&
      (!f.models || f.models.includes(r.model)) &&
      (!f.customerIds || f.customerIds.includes(r.customerId ?? "")) &&
      (!f.functionSlugs || f.functionSlugs.includes(r.functionSlug ?? "support-agent")) &&
      Object.entries(f.tags ?? {}).every(([k, v]) => r.tags?.[k] === v) &&
      (!f.scoreName || r.scores?.[f.scoreName] !== undefined),
  ).length;
}

const FILTERS: Partial<CountFilter>[] = [
  {},
  { models: ["acme-small"] },
  { customerIds: ["cust-1", ""] },
  { functionSlugs: ["triage-agent"], models: ["acme-large"] },
  { tags: { env: "prod" } },
  { tags: { env: "prod" }, customerIds: ["cust-0"] },
];
/** Filters no rollup keeps: the raw rows answer. */
const RAW_ONLY: Partial<CountFilter>[] = [{ tags: { plan: "pro" } }, { tags: { env: "prod" }, functionSlugs: ["triage-agent"] }, { scoreName: "accuracy" }, { tags: { env: "" } }];
const WINDOWS = [
  { from: START, to: START + 4 * DAY },
  { from: START + 7 * 60_000 + 13, to: START + 3 * DAY - 11 * 60_000 }, // parts of a quarter at both ends
  { from: START + DAY + 60_000, to: START + DAY + 14 * 60_000 }, // inside one quarter
];

describe("runs.list total", () => {
  it("sums whole quarters from the run rollups and counts only the parts of a quarter at the ends raw", async () => {
    for (const w of WINDOWS) {
      for (const filter of FILTERS) {
        const f = { ...filter, ...w };
        const asked: [number, number][] = [];
        const raw = async (from: number, to: number) => {
          asked.push([from, to]);
          return expected({ ...f, from, to });
        };
        expect(await countRuns(t.db, f, raw), JSON.stringify(f)).toBe(expected(f));
        for (const [from, to] of asked) expect(to - from, JSON.stringify(f)).toBeLessThan(QUARTER);
      }
    }
  });

  it("counts raw when no rollup keeps the filter (a score, an unpromoted tag, a function with a tag, an empty tag value)", async () => {
    for (const filter of RAW_ONLY) {
      const f = { ...filter, ...WINDOWS[1]! };
      const asked: [number, number][] = [];
      const total = await countRuns(t.db, f, async (from, to) => {
        asked.push([from, to]);
        return expected({ ...f, from, to });
      });
      expect(total).toBe(expected(f));
      expect(asked).toEqual([[f.from, f.to]]);
    }
  });

  it("runs.list answers the same totals through the API", async () => {
    for (const filter of [...FILTERS, ...RAW_ONLY]) {
      const f = { ...filter, ...WINDOWS[1]! };
      expect((await t.caller.runs.list({ ...f, limit: 5 })).total, JSON.stringify(f)).toBe(expected(f));
    }
  });
});
