import { describe, expect, it } from "vitest";
import { priceFormProblem } from "./price-form.ts";

const ok = { model: "my-model", input: "2.50", output: "10", cacheRead: "", cacheWrite: "", from: "2026-12-01" };

describe("priceFormProblem", () => {
  it("is null for a complete form, cache prices optional", () => {
    expect(priceFormProblem(ok)).toBeNull();
    expect(priceFormProblem({ ...ok, cacheRead: "1.25", cacheWrite: "3.125" })).toBeNull();
    const { from: _, ...editing } = ok;
    expect(priceFormProblem(editing)).toBeNull();
  });

  it("names every missing required field", () => {
    expect(priceFormProblem({ model: " ", input: "", output: "", cacheRead: "", cacheWrite: "", from: "" })).toBe(
      "Enter the model id, the input price, the output price and the effective-from date.",
    );
    expect(priceFormProblem({ ...ok, output: "" })).toBe("Enter the output price.");
  });

  it("quotes a value that is not an amount, and says an optional one may be left empty", () => {
    expect(priceFormProblem({ ...ok, input: "2.5.0" })).toBe("Input price: “2.5.0” is not a price in USD per million tokens. Enter one like 2.50 (at most 6 decimals).");
    expect(priceFormProblem({ ...ok, cacheWrite: "-1" })).toBe(
      "Cache write price: “-1” is not a price in USD per million tokens. Enter one like 2.50 (at most 6 decimals), or leave it empty.",
    );
    expect(priceFormProblem({ ...ok, model: "", input: "0.0000001" })).toBe(
      "Enter the model id. Input price: “0.0000001” is not a price in USD per million tokens. Enter one like 2.50 (at most 6 decimals).",
    );
  });
});
