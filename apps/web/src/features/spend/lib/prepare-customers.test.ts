import { describe, expect, it } from "vitest";
import { budgetPercent, budgetSum } from "./prepare-budget.ts";
import { type CustomerInput, parseTableState, prepareCustomers, sparklinePath } from "./prepare-customers.ts";

const c = (customerId: string, name: string | null, spendMicros: number, runs: number, budgetMicros: number | null = null): CustomerInput => ({
  customerId,
  name,
  spendMicros,
  runs,
  costPerRunMicros: runs ? spendMicros / runs : null,
  unpricedCalls: 0,
  budgetMicros,
  periodBudgetMicros: budgetMicros,
  budgetPartial: false,
});

const rows = [c("acme", "Acme Corp", 500, 5, 1000), c("globex", "Globex", 900, 3, 400), c("", null, 50, 1), c("initech", null, 700, 7)];
const c0 = (id: string, spendMicros: number | null, budgetMicros: number | null): CustomerInput => ({ ...c(id, null, 0, 1, budgetMicros), spendMicros });

describe("prepareCustomers", () => {
  it("sorts by spend descending by default; budget use is the period's spend over the period's budget", () => {
    const t = prepareCustomers(rows, parseTableState(new URLSearchParams()));
    expect(t.rows.map((r) => r.label)).toEqual(["Globex", "initech", "Acme Corp", "unattributed"]);
    expect(t.rows[0]).toMatchObject({ periodBudgetMicros: 400, budgetUse: 900 / 400 });
    expect(t.rows[2]).toMatchObject({ periodBudgetMicros: 1000, budgetUse: 0.5 });
    expect(t.rows[1]).toMatchObject({ periodBudgetMicros: null, budgetUse: null });
  });

  it("measures a period against the API's period budget (month by month), not the monthly budget", () => {
    // A quarter: $1,000 a month in the first two months, $4,000 in the third (what spend.byCustomer answers).
    const quarter = prepareCustomers([{ ...c0("a", 1_500, 4_000), periodBudgetMicros: 6_000 }], parseTableState(new URLSearchParams()));
    expect(quarter.rows[0]).toMatchObject({ periodBudgetMicros: 6_000, budgetUse: 0.25, budgetState: "ok" });
    // A budget removed in the period's last month: the period has none (its spend is not all budgeted), and no rule's facts are read.
    const facts = () => ({ warnAt: 0.8, forecast: null, forecastPending: false });
    const removed = prepareCustomers([{ ...c0("b", 3_000, null), periodBudgetMicros: null, budgetPartial: true }], parseTableState(new URLSearchParams()), facts);
    expect(removed.rows[0]).toMatchObject({ budgetUse: null, budgetState: "none", budgetPartial: true });
    // One whose budget was removed after the period ended is measured, with its rule's warning threshold.
    const later = prepareCustomers([{ ...c0("c", 850, null), periodBudgetMicros: 1_000 }], parseTableState(new URLSearchParams()), facts);
    expect(later.rows[0]).toMatchObject({ budgetUse: 0.85, budgetState: "near" });
    expect([budgetPercent(0.7995), budgetPercent(0.8), budgetPercent(0.29), budgetPercent(1.0049), budgetPercent(null), budgetPercent(0.79999999999)]).toEqual(["79%", "80%", "29%", "100%", "—", "79%"]);
    expect(budgetSum({ budgetMicros: 1_000_000, periodBudgetMicros: 3_000_000 }, 3)).toBe("$1.00 a month × 3");
    expect(budgetSum({ budgetMicros: 4_000_000, periodBudgetMicros: 6_000_000 }, 3)).toBe("each month's own budget over 3 months (they differ); $4.00 a month at the period's end");
    expect(budgetSum({ budgetMicros: null, periodBudgetMicros: 2_000_000 }, 3)).toBe("each month's own budget over 3 months (they differ); no budget at the period's end");
  });

  it("never reads unpriced spend as 0% of a budget, and a zero budget has no use", () => {
    const t = prepareCustomers([c0("a", null, 1000), c0("b", 5, 0)], parseTableState(new URLSearchParams()));
    expect(t.rows.map((r) => [r.customerId, r.budgetUse])).toEqual([["b", null], ["a", null]]);
  });

  it("searches names and ids, case-insensitively", () => {
    const t = prepareCustomers(rows, parseTableState(new URLSearchParams("q=ACME")));
    expect(t.rows.map((r) => r.customerId)).toEqual(["acme"]);
    expect(prepareCustomers(rows, parseTableState(new URLSearchParams("q=unattr"))).matched).toBe(1);
    // The matches' total is their exact sum, every page of them: 900 + 500 for "o" (Globex, Acme Corp).
    const o = prepareCustomers(rows, { ...parseTableState(new URLSearchParams("q=o")), pageSize: 1 });
    expect(o.matchedTotal).toEqual({ spendMicros: 1400, runs: 8, unpricedCalls: 0 });
    expect(prepareCustomers([c0("a", null, null)], parseTableState(new URLSearchParams())).matchedTotal.spendMicros).toBeNull();
  });

  it("sorts by any column with nulls last, and pages", () => {
    const byBudget = prepareCustomers(rows, parseTableState(new URLSearchParams("sort=budgetUse&dir=asc")));
    expect(byBudget.rows.map((r) => r.customerId)).toEqual(["acme", "globex", "", "initech"]); // 0.5, 2.25, then no budget
    const byName = prepareCustomers(rows, { ...parseTableState(new URLSearchParams("sort=name")), pageSize: 3, page: 2 });
    expect(byName).toMatchObject({ page: 2, pages: 2, matched: 4 });
    expect(byName.rows.map((r) => r.label)).toEqual(["unattributed"]);
    const clamped = prepareCustomers(rows, { ...parseTableState(new URLSearchParams()), pageSize: 3, page: 9 });
    expect(clamped.page).toBe(2);
  });

  it("draws sparklines with gaps where a day had no usage", () => {
    expect(sparklinePath([1, null, 2, 2], 30, 10)).toBe("M0.0,5.0M20.0,1.0L30.0,1.0");
    expect(sparklinePath([], 30, 10)).toBe("");
  });

  it("marks budget states and filters over or near budget (near from the rule's warning threshold, or a month-end forecast over budget)", () => {
    // Budgets of $10: 5% (ok), 93% (near at 80%), 120% (over), 50% with a forecast of $11 (over by the forecast), no budget, unpriced.
    const input = [c0("low", 500_000, 10_000_000), c0("globex", 9_300_000, 10_000_000), c0("over", 12_000_000, 10_000_000), c0("burning", 5_000_000, 10_000_000), c0("none", 9_000_000, null), c0("unpriced", null, 10_000_000)];
    const forecast = { micros: 11_000_000, lowMicros: 10_200_000, highMicros: 11_800_000 };
    const facts = (id: string) => ({ warnAt: 0.8, forecast: id === "burning" ? forecast : { micros: 1_000_000, lowMicros: null, highMicros: null }, forecastPending: false });
    const all = prepareCustomers(input, parseTableState(new URLSearchParams("sort=name")), facts);
    expect(all.rows.map((r) => [r.customerId, r.budgetState, r.forecastOver])).toEqual([
      ["burning", "ok", true],
      ["globex", "near", false],
      ["low", "ok", false],
      ["none", "none", false],
      ["over", "over", false],
      ["unpriced", "none", false],
    ]);
    const near = prepareCustomers(input, parseTableState(new URLSearchParams("sort=name&budget=near")), facts);
    expect(near.rows.map((r) => r.customerId)).toEqual(["burning", "globex", "over"]);
    expect(near.matchedTotal).toEqual({ spendMicros: 26_300_000, runs: 3, unpricedCalls: 0 });
    // Without the rules' facts nothing is near, and over is still over.
    expect(prepareCustomers(input, parseTableState(new URLSearchParams("budget=near"))).rows.map((r) => r.customerId)).toEqual(["over"]);
  });
});

describe("customers table page size", () => {
  it("reads 20, 50 or 100 from the URL's size, else 20, and pages by it", () => {
    expect(parseTableState(new URLSearchParams("size=50")).pageSize).toBe(50);
    expect(parseTableState(new URLSearchParams("size=100")).pageSize).toBe(100);
    expect(parseTableState(new URLSearchParams("size=37")).pageSize).toBe(20);
    expect(parseTableState(new URLSearchParams()).pageSize).toBe(20);
    const rows = Array.from({ length: 45 }, (_, i) => c0(`c${String(i).padStart(2, "0")}`, null, 1000 + i));
    const t = prepareCustomers(rows, parseTableState(new URLSearchParams("size=50")));
    expect([t.rows.length, t.pages]).toEqual([45, 1]);
    expect(prepareCustomers(rows, parseTableState(new URLSearchParams("page=3"))).rows.length).toBe(5);
  });
});
