import type { CompiledQuery } from "kysely";
import { testEngine } from "@tally/shared/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH, startTally, type Tally } from "./harness.ts";

/**
 * On SQLite every statement shares one connection, first come first served: the calls of one tRPC batch run
 * one after another, so another request waits for one statement of the batch, not for a statement of each of
 * its 20 calls. Observed on the server's own database: each statement's parameters name the call it serves.
 */
describe.runIf(testEngine() === "sqlite")("the calls of one batch take turns on SQLite", () => {
  let tally: Tally;
  const served: string[] = [];
  beforeAll(async () => {
    tally = await startTally();
    const executor = tally.db.getExecutor();
    const execute = executor.executeQuery.bind(executor);
    executor.executeQuery = ((query: CompiledQuery, ...rest: unknown[]) => {
      const call = query.parameters.find((p): p is string => typeof p === "string" && p.startsWith("turn-"));
      if (call) served.push(call);
      return (execute as (...a: unknown[]) => ReturnType<typeof execute>)(query, ...rest);
    }) as typeof executor.executeQuery;
  });
  afterAll(() => tally.close());

  it("each call's statements all run before the next call's first", async () => {
    const calls = Array.from({ length: 20 }, (_, i) => ({ customerIds: [`turn-${String(i).padStart(2, "0")}`], from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1), timeZone: "UTC" }));
    const paths = ["overview.summary", "runs.list"].flatMap((p) => Array(10).fill(p)).join(",");
    const res = await fetch(`${tally.base}/api/trpc/${paths}?batch=1`, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json" },
      body: JSON.stringify(Object.fromEntries(calls.map((c, i) => [i, c]))),
    });
    expect(res.status).toBe(200);
    expect(new Set(served).size).toBe(20);
    // In order, each call's statements together: the calls never interleave.
    const runs = served.filter((c, i) => c !== served[i - 1]);
    expect(runs).toEqual([...new Set(served)].sort());
  });
});
