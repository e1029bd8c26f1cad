import { describe, expect, it } from "vitest";
import { curlExample } from "./api-key-example.ts";

describe("API key example", () => {
  it("exports the last 7 whole UTC days of runs with the key as a Bearer token", () => {
    const cmd = curlExample("http://127.0.0.1:3000", "tally_abc", Date.UTC(2026, 2, 15, 10, 30));
    const m = /^curl -H "Authorization: Bearer tally_abc" "(.+)"$/.exec(cmd);
    expect(m).not.toBeNull();
    const url = new URL(m![1]!);
    expect(url.origin + url.pathname).toBe("http://127.0.0.1:3000/api/export/runs.csv");
    expect(JSON.parse(url.searchParams.get("input")!)).toEqual({ from: "2026-03-09T00:00:00.000Z", to: "2026-03-16T00:00:00.000Z", timeZone: "UTC" });
    // Nothing in the URL needs the shell to leave it alone inside double quotes.
    expect(m![1]).not.toMatch(/["$`\\]/);
  });
});
