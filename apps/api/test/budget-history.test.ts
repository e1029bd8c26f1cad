import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH, startTally, type Tally } from "./harness.ts";
import { callProcedure, deliver, readCsv } from "./unpriced-money.ts";

// A budget change is dated: June 2026's statement, spend table and budget state keep June's budget after a
// change in December; December (this month, by the server's clock) has the new one.
const JUNE = { from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 6, 1), timeZone: "UTC" };
type Row = { customerId: string; budgetMicros: number | null };

describe("a customer's budget as it was in each month", () => {
  let tally: Tally;
  const statementBudget = async (month: string) =>
    ((await callProcedure(tally, "spend.statement", "query", { customerId: "dated", month, timeZone: "UTC" })) as { customer: { budgetMicros: number | null } }).customer.budgetMicros;
  const tableBudget = async (w: { from: number; to: number }) =>
    ((await callProcedure(tally, "spend.byCustomer", "query", { ...w, timeZone: "UTC" })) as { rows: Row[] }).rows.find((r) => r.customerId === "dated")?.budgetMicros;
  const stateBudget = async (w: { from: number; to: number }) =>
    ((await callProcedure(tally, "alerts.budgets", "query", { ...w, timeZone: "UTC" })) as { rows: Row[] }).rows.find((r) => r.customerId === "dated")?.budgetMicros ?? null;
  const upsert = (monthlyBudgetMicros: number | null, name = "Dated") => callProcedure(tally, "customers.upsert", "mutation", { id: "dated", name, monthlyBudgetMicros });
  const history = () => tally.db.selectFrom("customer_budget_history").select(["effective_from", "monthly_budget_micros"]).where("customer_id", "=", "dated").orderBy("effective_from").execute();

  beforeAll(async () => {
    tally = await startTally();
    await deliver(tally, [{ runId: "dated-june", model: "gpt-4o", customerId: "dated", promptTokens: 1000, completionTokens: 100, judged: false }]);
  });
  afterAll(() => tally?.close());

  it("keeps a closed month's budget after a change, and gives this month the new one", async () => {
    const now = new Date();
    const thisMonth = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`;
    const current = { from: Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1), to: Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) };
    expect(current.from).toBeGreaterThan(JUNE.to); // the clock is past June 2026

    // A new customer's first budget applies to its past too: no history yet.
    await upsert(2_000_000);
    expect(await history()).toEqual([]);
    expect([await statementBudget("2026-06"), await tableBudget(JUNE), await stateBudget(JUNE)]).toEqual([2_000_000, 2_000_000, 2_000_000]);

    // Lowered today: June keeps $2.00, this month has $1.50.
    const before = Date.now();
    await upsert(1_500_000);
    const h = await history();
    expect(h.map((r) => Number(r.monthly_budget_micros))).toEqual([2_000_000, 1_500_000]);
    expect(Number(h[0]!.effective_from)).toBe(0);
    expect(Number(h[1]!.effective_from)).toBeGreaterThanOrEqual(before);
    expect([await statementBudget("2026-06"), await tableBudget(JUNE), await stateBudget(JUNE)]).toEqual([2_000_000, 2_000_000, 2_000_000]);
    expect(await statementBudget(thisMonth)).toBe(1_500_000);
    expect(await stateBudget(current)).toBe(1_500_000);

    // A rename writes no history; removing the budget ends it from now on, June still has its own.
    await upsert(1_500_000, "Dated Inc");
    expect(await history()).toHaveLength(2);
    await upsert(null, "Dated Inc");
    expect((await history()).map((r) => (r.monthly_budget_micros === null ? null : Number(r.monthly_budget_micros)))).toEqual([2_000_000, 1_500_000, null]);
    expect(await statementBudget(thisMonth)).toBeNull();
    expect(await stateBudget(current)).toBeNull();
    expect(await statementBudget("2026-06")).toBe(2_000_000);
  });

  it("keeps the budget when an upsert leaves it out (a rename), and refuses one above $100,000,000 a month", async () => {
    const rename = (input: Record<string, unknown>) => callProcedure(tally, "customers.upsert", "mutation", { id: "renamed", ...input }) as Promise<{ name: string; monthlyBudgetMicros: number | null }>;
    expect((await rename({ name: "Renamed" })).monthlyBudgetMicros).toBeNull(); // a new customer left without one has none
    await rename({ name: "Renamed", monthlyBudgetMicros: 700_000 });
    expect(await rename({ name: "Renamed Ltd" })).toMatchObject({ name: "Renamed Ltd", monthlyBudgetMicros: 700_000 });
    expect(await tally.db.selectFrom("customer_budget_history").select("effective_from").where("customer_id", "=", "renamed").execute()).toEqual([]);
    expect((await rename({ name: "Renamed Ltd", monthlyBudgetMicros: null })).monthlyBudgetMicros).toBeNull(); // null still clears it
    const res = await fetch(`${tally.base}/api/trpc/customers.upsert`, {
      method: "POST",
      headers: { ...AUTH, "content-type": "application/json", origin: tally.base, "sec-fetch-site": "same-origin" },
      body: JSON.stringify({ id: "renamed", name: "Renamed", monthlyBudgetMicros: 100_000_000_000_001 }),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("at most $100,000,000 a month");
  });

  it("gives a customer added without a budget its first budget in past months too", async () => {
    await callProcedure(tally, "customers.upsert", "mutation", { id: "later", name: "Later", monthlyBudgetMicros: null });
    await callProcedure(tally, "customers.upsert", "mutation", { id: "later", name: "Later", monthlyBudgetMicros: 400_000 });
    const june = (await callProcedure(tally, "spend.statement", "query", { customerId: "later", month: "2026-06", timeZone: "UTC" })) as { customer: { budgetMicros: number | null } };
    expect(june.customer.budgetMicros).toBe(400_000);
    expect(await tally.db.selectFrom("customer_budget_history").select("effective_from").where("customer_id", "=", "later").execute()).toEqual([]);
  });
});

// A quarter after a mid-quarter change is measured month by month: each month's budget in force at its end
// (as its statement has it) times its share of the period, on the Spend table's answer and in its CSV.
describe("a period's budget, month by month", () => {
  let tally: Tally;
  let clock = Date.UTC(2026, 7, 1);
  const Q2 = { from: Date.UTC(2026, 3, 1), to: Date.UTC(2026, 6, 1) };
  type Answer = { rows: (Row & { spendMicros: number | null; periodBudgetMicros: number | null; budgetPartial: boolean })[]; budgetPeriod: { from: number; to: number; months: number } };
  const table = async (input: Record<string, unknown>) => {
    const a = (await callProcedure(tally, "spend.byCustomer", "query", { timeZone: "UTC", ...input })) as Answer;
    return { row: a.rows.find((r) => r.customerId === "quarterly")!, period: a.budgetPeriod };
  };
  const upsert = (at: number, monthlyBudgetMicros: number | null) => {
    clock = at;
    return callProcedure(tally, "customers.upsert", "mutation", { id: "quarterly", name: "Quarterly", monthlyBudgetMicros });
  };

  beforeAll(async () => {
    tally = await startTally({}, { clock: () => clock });
    await deliver(tally, [{ runId: "quarterly-june", model: "gpt-4o", customerId: "quarterly", promptTokens: 1000, completionTokens: 100, judged: false }]);
  });
  afterAll(() => tally?.close());

  it("adds each month's own budget, on spend.byCustomer and in spend-by-customer.csv", async () => {
    await upsert(Date.UTC(2026, 2, 1), 1_000_000); // $1.00 from the start
    await upsert(Date.UTC(2026, 5, 20), 4_000_000); // $4.00 from 20 June: June has it (at its end), April and May keep $1.00
    clock = Date.UTC(2026, 7, 1);
    const quarter = { ...Q2, budgetPeriod: Q2 };
    const { row, period } = await table(quarter);
    expect(period).toEqual({ ...Q2, months: 3 });
    expect(row.budgetMicros).toBe(4_000_000);
    expect(row.periodBudgetMicros).toBe(1_000_000 + 1_000_000 + 4_000_000);
    expect(row.spendMicros).toBeGreaterThan(0);

    const csv = (await readCsv(tally, "spend-by-customer", { ...Q2, timeZone: "UTC", budgetPeriod: Q2 })).find((r) => r.customer_id === "quarterly")!;
    expect(csv).toMatchObject({ monthly_budget_micros: "4000000", budget_months: "3.000000", period_budget_micros: "6000000", budget_partial: "false" });
    expect(Number(csv.budget_use)).toBeCloseTo(row.spendMicros! / 6_000_000, 6);

    // Without budgetPeriod the window is the period: 15 of June's 30 days.
    const half = await table({ from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 5, 16) });
    expect(half.period.months).toBe(0.5);
    expect(half.row.periodBudgetMicros).toBe(2_000_000);
    // A window ending before the change, inside June: its monthly budget is June's (in force at June's end, as
    // June's statement has it), the same one its period counts: 10/30 of $4.00.
    const beforeChange = await table({ from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 5, 11) });
    expect(beforeChange.row.budgetMicros).toBe(4_000_000);
    expect(beforeChange.row.periodBudgetMicros).toBe(Math.round((10 / 30) * 4_000_000));

    // Removed on 25 June: June has no budget, so neither has the quarter (its June spend is not budgeted); it
    // says some months have one. Q2 without June keeps its budget.
    await upsert(Date.UTC(2026, 5, 25), null);
    clock = Date.UTC(2026, 7, 1);
    const after = await table(quarter);
    expect([after.row.budgetMicros, after.row.periodBudgetMicros, after.row.budgetPartial]).toEqual([null, null, true]);
    const aprilMay = await table({ ...quarter, budgetPeriod: { from: Q2.from, to: Date.UTC(2026, 5, 1) } });
    expect([aprilMay.row.periodBudgetMicros, aprilMay.row.budgetPartial]).toEqual([1_000_000 + 1_000_000, false]);
    const june = await table({ from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 6, 1) });
    expect([june.row.budgetMicros, june.row.periodBudgetMicros, june.row.budgetPartial]).toEqual([null, null, false]);
    const unbudgeted = (await readCsv(tally, "spend-by-customer", { ...Q2, timeZone: "UTC", budgetPeriod: Q2 })).find((r) => r.customer_id === "quarterly")!;
    expect([unbudgeted.monthly_budget_micros, unbudgeted.period_budget_micros, unbudgeted.budget_use, unbudgeted.budget_partial]).toEqual(["", "", "", "true"]);
  });

  it("refuses a budget period that is not a span of at most 400 days, naming the field", async () => {
    const res = await fetch(`${tally.base}/api/trpc/spend.byCustomer?input=${encodeURIComponent(JSON.stringify({ ...Q2, budgetPeriod: { from: Q2.to, to: Q2.from } }))}`, { headers: AUTH });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain("budgetPeriod");
  });
});
