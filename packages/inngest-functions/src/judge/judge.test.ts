import { DEFAULT_CRITERIA } from "@tally/shared";
import { describe, expect, it } from "vitest";
import { rubricVersion } from "./judge.ts";

describe("rubricVersion", () => {
  it("is stable for the same criteria and changes when a criterion changes", () => {
    const v = rubricVersion(DEFAULT_CRITERIA);
    expect(v).toBe(rubricVersion(DEFAULT_CRITERIA.map((c) => ({ ...c }))));
    expect(v).toMatch(/^judge-v1\.[0-9a-f]{8}$/);
    const edited = DEFAULT_CRITERIA.map((c, i) => (i === 0 ? { ...c, description: "Solves it fully?" } : c));
    expect(rubricVersion(edited)).not.toBe(v);
  });
});
