import { describe, expect, it } from "vitest";
import { type CustomerInput, parseTableState, prepareCustomers, sparklinePath } from "./prepare-customers.ts";

const c = (customerId: string, name: string | null, spendMicros: number, runs: number, budgetMicros: number | null = null): CustomerInput => ({
  customerId,
  name,
  spendMicros,
  runs,
  costPerRunMicros: runs ? spendMicros / runs : null,
  unpricedCalls: 0,
  budgetMicros,
});

const rows = [c("acme", "Acme Corp", 500, 5, 1000), c("globex", "Globex", 900, 3, 400), c("", null, 50, 1), c("initech", null, 700, 7)];
const month = { spend: new Map<string, number | null>([["acme", 250], ["globex", 600]]), complete: true };

describe("prepareCustomers", () => {
  it("sorts by spend descending by default and computes month-to-date budget use", () => {
    const t = prepareCustomers(rows, month, parseTableState(new URLSearchParams()));
    expect(t.rows.map((r) => r.label)).toEqual(["Globex", "initech", "Acme Corp", "unattributed"]);
    expect(t.rows[0]?.budgetUse).toBeCloseTo(1.5);
    expect(t.rows[2]?.budgetUse).toBeCloseTo(0.25);
    expect(t.rows[1]?.budgetUse).toBeNull();
    expect(t.rows[1]?.monthSpendMicros).toBe(0);
  });

  it("never shows unknown or unpriced month-to-date spend as $0", () => {
    const spend = new Map<string, number | null>([["acme", null], ["globex", 600]]);
    const cut = prepareCustomers(rows, { spend, complete: false }, parseTableState(new URLSearchParams()));
    const byId = new Map(cut.rows.map((r) => [r.customerId, r]));
    expect(byId.get("acme")).toMatchObject({ monthSpendMicros: null, budgetUse: null });
    expect(byId.get("initech")?.monthSpendMicros).toBeNull(); // not in a truncated list: unknown
    expect(byId.get("globex")?.budgetUse).toBeCloseTo(1.5);
  });

  it("searches names and ids, case-insensitively", () => {
    const t = prepareCustomers(rows, month, parseTableState(new URLSearchParams("q=ACME")));
    expect(t.rows.map((r) => r.customerId)).toEqual(["acme"]);
    expect(prepareCustomers(rows, month, parseTableState(new URLSearchParams("q=unattr"))).matched).toBe(1);
  });

  it("sorts by any column with nulls last, and pages", () => {
    const byBudget = prepareCustomers(rows, month, parseTableState(new URLSearchParams("sort=budgetUse&dir=asc")));
    expect(byBudget.rows.map((r) => r.customerId)).toEqual(["acme", "globex", "", "initech"]);
    const byName = prepareCustomers(rows, month, { ...parseTableState(new URLSearchParams("sort=name")), pageSize: 3, page: 2 });
    expect(byName).toMatchObject({ page: 2, pages: 2, matched: 4 });
    expect(byName.rows.map((r) => r.label)).toEqual(["unattributed"]);
    const clamped = prepareCustomers(rows, month, { ...parseTableState(new URLSearchParams()), pageSize: 3, page: 9 });
    expect(clamped.page).toBe(2);
  });

  it("leaves budget use unknown when month-to-date spend was not loaded", () => {
    const t = prepareCustomers(rows, null, parseTableState(new URLSearchParams()));
    expect(t.rows.every((r) => r.budgetUse === null && r.monthSpendMicros === null)).toBe(true);
  });

  it("draws sparklines with gaps where a day had no usage", () => {
    expect(sparklinePath([1, null, 2, 2], 30, 10)).toBe("M0.0,5.0M20.0,1.0L30.0,1.0");
    expect(sparklinePath([], 30, 10)).toBe("");
  });
});
