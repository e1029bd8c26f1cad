import { describe, expect, it } from "vitest";
import { describeParams, initialValues, paramError, paramsFromValues, ruleFormFields, valuesFromParams } from "./alert-rule-form.ts";

describe("alert rule form", () => {
  it("turns the form's text into each kind's params (dollars to micro-USD, percent lists, booleans, optional fields left out)", () => {
    expect(paramsFromValues("budget", initialValues("budget"))).toEqual({ params: { thresholds: [80, 100] }, errors: {} });
    expect(paramsFromValues("spend_over", { amountMicros: "$25.50", windowHours: "24", model: " gpt-4o " })).toEqual({
      params: { amountMicros: 25_500_000, windowHours: 24, model: "gpt-4o" },
      errors: {},
    });
    expect(paramsFromValues("quality_drop", { ...initialValues("quality_drop"), scoreName: "helpfulness", threshold: "0.6" }).params).toEqual({
      scoreName: "helpfulness",
      windowHours: 24,
      threshold: 0.6,
      compareToPrevious: true,
      minSamples: 30,
    });
    expect(paramsFromValues("spend_spike", initialValues("spend_spike")).params).toEqual({ by: "model", windowHours: 1, baselineHours: 168, factor: 3, minMicros: 1_000_000 });
  });

  it("names the field of what cannot be sent, and sends a negative amount for the API to refuse", () => {
    const bad = paramsFromValues("spend_over", { amountMicros: "lots", windowHours: "x", model: "" });
    expect(bad.errors).toEqual({ amountMicros: "Amount (USD): enter an amount in dollars, e.g. 25 or 0.50", windowHours: "Window (hours, 1–720): enter a number" });
    expect(paramsFromValues("quality_drop", initialValues("quality_drop")).errors).toEqual({ scoreName: "Score name is required" });
    expect(paramsFromValues("budget", { thresholds: "80, many" }).errors.thresholds).toBe("Thresholds (% of the monthly budget): enter numbers separated by commas, e.g. 80, 100");
    expect(paramsFromValues("judge_failures", { rate: "-0.5", windowHours: "24", minRuns: "5" }).params.rate).toBe(-0.5);
  });

  it("reads a stored rule back into the form, unchanged on the way round", () => {
    const params = { amountMicros: 1_250_000, windowHours: 6, model: "gpt-4o-mini" };
    const values = valuesFromParams("spend_over", params);
    expect(values).toEqual({ amountMicros: "1.25", windowHours: "6", model: "gpt-4o-mini" });
    expect(paramsFromValues("spend_over", values).params).toEqual(params);
    expect(valuesFromParams("budget", { thresholds: [50, 100], customerId: "globex" })).toEqual({ thresholds: "50, 100", customerId: "globex" });
  });

  it("describes a rule in one line", () => {
    expect(describeParams("budget", { thresholds: [80, 100] })).toBe("80%, 100% of the monthly budget · every customer with a budget");
    expect(describeParams("spend_over", { amountMicros: 25_000_000, windowHours: 24, model: "gpt-4o" })).toBe("any customer over $25 in 24 h · model gpt-4o");
    expect(describeParams("quality_drop", { scoreName: "helpfulness", windowHours: 24, compareToPrevious: true, minSamples: 30 })).toBe(
      "helpfulness over 24 h · or significantly below the previous window · at least 30 samples",
    );
  });

  it("puts the API's params.<field> messages beside their field, the form's own first", () => {
    const api = { "params.windowHours": "windowHours must be at most 720 hours (30 days)", name: "name is required" };
    expect(paramError("windowHours", {}, api)).toBe("windowHours must be at most 720 hours (30 days)");
    expect(paramError("windowHours", { windowHours: "Window (hours, 1–720): enter a number" }, api)).toBe("Window (hours, 1–720): enter a number");
    expect(paramError("model", {}, api)).toBeUndefined();
    expect(ruleFormFields("unpriced")).toEqual(["kind", "name", "params", "params.model", "params.windowHours"]);
  });
});
