import { recordUsage } from "@tally/inngest-functions";
import { connect } from "@tally/shared/db";
import { expect } from "vitest";
import type { RunningServer } from "./server.ts";

/** Fixtures of the alerts e2e tests: budgets set from each customer's month-to-date spend, and a notification history. */

/** Each budgeted customer's intended use of its monthly budget. */
export const USE = { acme: 0.9, globex: 1.25, umbrella: 0.3 } as const;

interface CustomerRow { customerId: string; spendMicros: number | null }

export function monthStartUtc(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** A usage line now for each budgeted customer (so each has month-to-date spend), then budgets set from that spend. */
export async function setBudgetsFromSpend(server: RunningServer): Promise<Record<keyof typeof USE, number>> {
  const budgets = {} as Record<keyof typeof USE, number>;
  const db = await connect({ url: server.dbUrl });
  const now = Date.now();
  for (const [i, customerId] of (Object.keys(USE) as (keyof typeof USE)[]).entries()) {
    const runId = `01ALERT${i}`;
    const run = { runId, functionSlug: "handle-support-ticket", model: "gpt-4o-mini", customerId, occurredAt: now - 60_000, now };
    const usage = { input_tokens: 200_000, output_tokens: 50_000, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
    await recordUsage(db, run, { key: `${runId}-costs`, deferredRunId: `${runId}-costs`, kind: "agent", model: "gpt-4o-mini", usage });
  }
  // Spend last month too (a finished month: budget states, no forecast).
  const usage0 = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
  const lastMonth = { runId: "01ALERTLAST", functionSlug: "handle-support-ticket", model: "gpt-4o-mini", customerId: "acme", occurredAt: monthStartUtc(now) - 86_400_000, now };
  await recordUsage(db, lastMonth, { key: "01ALERTLAST-costs", deferredRunId: "01ALERTLAST-costs", kind: "agent", model: "gpt-4o-mini", usage: { ...usage0, input_tokens: 100_000 } });
  const to = Math.ceil((now + 60_000) / 60_000) * 60_000;
  const { rows } = await server.query<{ rows: CustomerRow[] }>("spend.byCustomer", { from: monthStartUtc(now), to, timeZone: "UTC", limit: 50, sparklines: false });
  for (const customerId of Object.keys(USE) as (keyof typeof USE)[]) {
    const spent = rows.find((r) => r.customerId === customerId)?.spendMicros ?? 0;
    expect(spent).toBeGreaterThan(50_000);
    // Whole micro-USD budgets that keep the use on the intended side of 80% and 100%.
    budgets[customerId] = Math.round(spent / USE[customerId]);
    await db.updateTable("customers").set({ monthly_budget_micros: budgets[customerId] }).where("id", "=", customerId).execute();
  }
  await db.destroy();
  return budgets;
}

export async function addNotifications(server: RunningServer): Promise<void> {
  const db = await connect({ url: server.dbUrl });
  const now = Date.now();
  const month = new Date(now).toISOString().slice(0, 7);
  const base = { rule_id: "builtin-budget", subject: "globex", period: month, message: "Globex reached 100% of its monthly budget", link: "/spend?customer=globex&range=this-month&tz=UTC" };
  await db
    .insertInto("alert_notifications")
    .values([
      { ...base, id: `builtin-budget:globex:${month}:firing:slack-env`, event: "firing", channel_id: "slack-env", status: "sent", attempts: 1, last_error: null, created_at: now - 600_000, sent_at: now - 590_000 },
      { ...base, id: `builtin-budget:globex:${month}:firing:ops-hook`, event: "firing", channel_id: "ops-hook", status: "failed", attempts: 3, last_error: "HTTP 500 from hooks.example.test", created_at: now - 500_000, sent_at: null },
      { ...base, id: `builtin-budget:acme:${month}:resolved:slack-env`, subject: "acme", event: "resolved", channel_id: "slack-env", status: "sent", attempts: 1, last_error: null, message: "Acme Corp is back under 80%", link: "/spend?customer=acme&range=this-month&tz=UTC", created_at: now - 400_000, sent_at: now - 399_000 },
    ])
    .execute();
  await db.destroy();
}
