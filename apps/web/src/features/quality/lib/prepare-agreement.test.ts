import { describe, expect, it } from "vitest";
import { parseFilters } from "../../../lib/filters.ts";
import { type AgreementInput, disagreementsHref, prepareAgreement } from "./prepare-agreement.ts";

const f = parseFilters("tz=UTC&range=30d&model=gpt-4o-mini", "UTC");
const iv = (value: number, low: number, high: number) => ({ value, low, high });
const row = (over: Partial<AgreementInput>): AgreementInput => ({
  name: "tone",
  judgeModel: "gpt-4o-mini",
  rubricVersion: "rubric-v1",
  n: 40,
  exact: iv(0.425, 0.3, 0.575),
  withinOne: iv(0.9, 0.8, 0.975),
  kappa: iv(0.31, 0.12, 0.49),
  mae: iv(0.7, 0.5, 0.925),
  spearman: iv(0.45, 0.2, 0.66),
  flagged: true,
  disagreementsLink: "/review?status=reviewed&scoreName=tone&disagree=1",
  ...over,
});

describe("prepareAgreement", () => {
  it("words every statistic with its interval: shares as percents, kappa, MAE and Spearman to two places", () => {
    const [r] = prepareAgreement([row({})], f);
    expect(r?.cells).toEqual([
      { key: "exact", text: "43%", interval: "95% CI 30%–58%" },
      { key: "withinOne", text: "90%", interval: "95% CI 80%–98%" },
      { key: "kappa", text: "0.31", interval: "95% CI 0.12–0.49" },
      { key: "mae", text: "0.70", interval: "95% CI 0.50–0.93" },
      { key: "spearman", text: "0.45", interval: "95% CI 0.20–0.66" },
    ]);
    expect(r?.flagText).toBe("kappa 0.31 is below 0.40 over 40 pairs: check this rubric version");
  });

  it("shows a dash for a statistic undefined on these pairs, and no flag text when the API did not flag", () => {
    const [r] = prepareAgreement([row({ n: 1, kappa: null, spearman: null, flagged: false })], f);
    expect(r?.cells.find((c) => c.key === "kappa")).toEqual({ key: "kappa", text: "—", interval: "" });
    expect(r?.flagged).toBe(false);
    expect(r?.flagText).toBe("");
  });

  it("sorts by score name, judge model and rubric version", () => {
    const rows = prepareAgreement([row({ rubricVersion: "v2" }), row({ name: "accuracy" }), row({ rubricVersion: "v1" }), row({ judgeModel: "a-judge", rubricVersion: "v9" })], f);
    expect(rows.map((r) => `${r.name}/${r.judgeModel}/${r.rubricVersion}`)).toEqual(["accuracy/gpt-4o-mini/rubric-v1", "tone/a-judge/v9", "tone/gpt-4o-mini/v1", "tone/gpt-4o-mini/v2"]);
  });
});

describe("disagreementsHref", () => {
  it("keeps the API link's page parameters, asks for disagreements only and lays the page's filters over it", () => {
    expect(disagreementsHref("/review?status=reviewed&scoreName=tone&disagree=1", f)).toBe("/review?status=reviewed&scoreName=tone&disagree=1&range=30d&tz=UTC&model=gpt-4o-mini");
    expect(disagreementsHref("/review?status=reviewed&scoreName=tone", f)).toBe("/review?status=reviewed&scoreName=tone&disagree=1&range=30d&tz=UTC&model=gpt-4o-mini");
  });

  it("never follows a link off the site", () => {
    expect(disagreementsHref("https://evil.example/review", f)).toBe("/review?disagree=1&range=30d&tz=UTC&model=gpt-4o-mini");
    expect(disagreementsHref("//evil.example/x", f)).toBe("/review?disagree=1&range=30d&tz=UTC&model=gpt-4o-mini");
  });
});
