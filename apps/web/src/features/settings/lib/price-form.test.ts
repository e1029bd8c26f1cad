import { describe, expect, it } from "vitest";
import { priceFieldErrors, priceFormMissing } from "./price-form.ts";

const ok = { model: "my-model", input: "2.50", output: "10", cacheRead: "", cacheWrite: "", from: "2026-12-01" };

describe("priceFormMissing", () => {
  it("is null for a complete form, cache prices optional", () => {
    expect(priceFormMissing(ok)).toBeNull();
    expect(priceFormMissing({ ...ok, cacheRead: "1.25", cacheWrite: "3.125" })).toBeNull();
    const { from: _, ...editing } = ok;
    expect(priceFormMissing(editing)).toBeNull();
  });

  it("names every missing required field", () => {
    expect(priceFormMissing({ model: " ", input: "", output: "", cacheRead: "", cacheWrite: "", from: "" })).toBe(
      "Enter the model id, the input price, the output price and the effective-from date.",
    );
    expect(priceFormMissing({ ...ok, output: "" })).toBe("Enter the output price.");
  });

  it("leaves a malformed price to its field's error", () => {
    expect(priceFormMissing({ ...ok, input: "2.5.0" })).toBeNull();
    expect(priceFormMissing({ ...ok, model: "", input: "0.0000001" })).toBe("Enter the model id.");
  });
});

describe("priceFieldErrors", () => {
  it("is empty for amounts and empty fields", () => {
    expect(priceFieldErrors(ok)).toEqual({});
    expect(priceFieldErrors({ ...ok, input: "", cacheRead: "1.25", cacheWrite: "$3,000.5" })).toEqual({});
  });

  it("names each malformed price by its field, and says an optional one may be left empty", () => {
    expect(priceFieldErrors({ ...ok, input: "2.5.0", cacheWrite: "-1" })).toEqual({
      input: "Input price: not a dollar amount. Enter one like 2.50 (at most 6 decimals).",
      cacheWrite: "Cache write price: not a dollar amount. Enter one like 2.50 (at most 6 decimals), or leave it empty.",
    });
    expect(priceFieldErrors({ ...ok, output: "0.0000001" })).toEqual({
      output: "Output price: not a dollar amount. Enter one like 2.50 (at most 6 decimals).",
    });
  });

  it("does not change while the text stays malformed (a screen reader reads it once)", () => {
    expect(priceFieldErrors({ ...ok, input: "1.2x" })).toEqual(priceFieldErrors({ ...ok, input: "1.2x5" }));
  });
});
