import { describe, expect, it } from "vitest";
import { beforeRestatements, restatedBy } from "./restated.ts";

const job = (beforeMicros: number | null, afterMicros: number | null, beforeUnpricedCalls = 0, afterUnpricedCalls = 0) => ({ lines: 1, beforeMicros, afterMicros, beforeUnpricedCalls, afterUnpricedCalls });

describe("beforeRestatements", () => {
  it("takes each job's after out of today's total and puts its before back", () => {
    // $1.976393 today; one job moved 41 lines from $0.307… to $0.752… (the audit's figures).
    expect(beforeRestatements({ spendMicros: 1_976_393, unpricedCalls: 29 }, [job(307_000, 751_658)])).toEqual({ spendMicros: 1_531_735, unpricedCalls: 29 });
    expect(restatedBy(job(307_000, 751_658))).toBe(444_658);
  });

  it("chains two jobs over the same lines back to the first read", () => {
    // 100 → 150 (job 1), then 150 → 90 (job 2): today 90 + 1000 untouched; first read 100 + 1000.
    expect(beforeRestatements({ spendMicros: 1_090, unpricedCalls: 0 }, [job(100, 150), job(150, 90)])).toEqual({ spendMicros: 1_100, unpricedCalls: 0 });
  });

  it("counts lines a job priced as unpriced before it, and nothing priced then as unknown, not $0", () => {
    // Three unpriced lines priced at 300 in all, beside 500 priced before: then 500 + 3 unpriced calls.
    expect(beforeRestatements({ spendMicros: 800, unpricedCalls: 0 }, [job(null, 300, 3, 0)])).toEqual({ spendMicros: 500, unpricedCalls: 3 });
    // Every line of the statement was unpriced until the job priced it: unknown spend then.
    expect(beforeRestatements({ spendMicros: 300, unpricedCalls: 0 }, [job(null, 300, 3, 0)])).toEqual({ spendMicros: null, unpricedCalls: 3 });
    // A price removed: priced then, unpriced now.
    expect(beforeRestatements({ spendMicros: null, unpricedCalls: 2 }, [job(40, null, 0, 2)])).toEqual({ spendMicros: 40, unpricedCalls: 0 });
  });
});
