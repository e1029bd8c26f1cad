import { describe, expect, it } from "vitest";
import { customerFormProblem } from "./customer-form.ts";

describe("customerFormProblem", () => {
  it("says what is missing or wrong, and nothing for a form that can be sent", () => {
    expect(customerFormProblem({ id: "", name: "", budget: "" })).toBe("Enter an id and a name.");
    expect(customerFormProblem({ id: "acme", name: "  ", budget: "" })).toBe("Enter a name.");
    expect(customerFormProblem({ id: "acme", name: "Acme", budget: "12,5.0.1" })).toBe(
      "Monthly budget: “12,5.0.1” is not an amount in USD. Enter one like 250 or 99.50 (at most 6 decimals), or leave it empty for no budget.",
    );
    expect(customerFormProblem({ id: "acme", name: "Acme", budget: "1.1234567" })).toMatch(/^Monthly budget: “1\.1234567” is not an amount/);
    expect(customerFormProblem({ id: "", name: "Acme", budget: "abc" })).toMatch(/^Enter an id\. Monthly budget: “abc”/);
    expect(customerFormProblem({ id: "acme", name: "Acme", budget: "" })).toBeNull();
    expect(customerFormProblem({ id: "acme", name: "Acme", budget: "$1,250.50" })).toBeNull();
    expect(customerFormProblem({ id: "acme", name: "Acme", budget: "0.00" })).toBe("Monthly budget: enter an amount above $0, or leave it empty for no budget.");
    expect(customerFormProblem({ id: "acme", name: "Acme", budget: "0.000001" })).toBeNull();
  });

  it("refuses an id that exists (adding it would rename it and replace its budget) and a budget above $100,000,000", () => {
    const existing = new Set(["acme", "globex"]);
    expect(customerFormProblem({ id: " acme ", name: "Acme 2", budget: "" }, existing)).toBe("A customer “acme” exists: change its name or budget in its row above.");
    expect(customerFormProblem({ id: "initech", name: "Initech", budget: "" }, existing)).toBeNull();
    expect(customerFormProblem({ id: "initech", name: "Initech", budget: "100000000" }, existing)).toBeNull();
    expect(customerFormProblem({ id: "initech", name: "Initech", budget: "100000000.000001" }, existing)).toBe("Monthly budget: at most $100,000,000 a month.");
  });
});
