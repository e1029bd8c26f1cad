import { describe, expect, it } from "vitest";
import { unpricedModels } from "./unpriced-models.ts";

describe("the models behind the unpriced warning", () => {
  it("adds agent lines by their model and judge lines by the judge's model, most calls first", () => {
    const got = unpricedModels({
      rows: [
        { model: "gpt-4o", agentUnpricedCalls: 0 },
        { model: "acme-ft", agentUnpricedCalls: 7 },
        { model: "my-judge", agentUnpricedCalls: 1 },
      ],
      judgeModels: [
        { model: "gpt-4o-mini", unpricedCalls: 0 },
        { model: "my-judge", unpricedCalls: 9 },
      ],
    });
    expect(got).toEqual([
      { model: "my-judge", calls: 10 },
      { model: "acme-ft", calls: 7 },
    ]);
  });

  it("is empty when everything is priced, and breaks ties by name", () => {
    expect(unpricedModels({ rows: [{ model: "a", agentUnpricedCalls: 0 }], judgeModels: [] })).toEqual([]);
    expect(unpricedModels({ rows: [{ model: "b", agentUnpricedCalls: 2 }, { model: "a", agentUnpricedCalls: 2 }], judgeModels: [] }).map((m) => m.model)).toEqual(["a", "b"]);
  });
});
