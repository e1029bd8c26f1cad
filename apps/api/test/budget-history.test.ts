import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTally, type Tally } from "./harness.ts";
import { callProcedure, deliver } from "./unpriced-money.ts";

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

  it("gives a customer added without a budget its first budget in past months too", async () => {
    await callProcedure(tally, "customers.upsert", "mutation", { id: "later", name: "Later", monthlyBudgetMicros: null });
    await callProcedure(tally, "customers.upsert", "mutation", { id: "later", name: "Later", monthlyBudgetMicros: 400_000 });
    const june = (await callProcedure(tally, "spend.statement", "query", { customerId: "later", month: "2026-06", timeZone: "UTC" })) as { customer: { budgetMicros: number | null } };
    expect(june.customer.budgetMicros).toBe(400_000);
    expect(await tally.db.selectFrom("customer_budget_history").select("effective_from").where("customer_id", "=", "later").execute()).toEqual([]);
  });
});
