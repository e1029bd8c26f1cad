// Test-only helpers for the evaluate-alerts tests: spend through the real serve() handler, ticks of the cron
// function, channels through the API, and a Standard Webhooks check written from the spec, independent of
// the code under test.
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { expect } from "vitest";
import { PARENT, type Tally } from "./harness.ts";
import { callProcedure } from "./unpriced-money.ts";

/** A model priced by override at $1 per Mtok in, so N prompt tokens cost exactly N micro-USD. */
export const MODEL = "alerts-test-model";
export const PUBLIC_URL = "https://tally.example.com";
/** 20 November 2026, noon UTC (in the past: the HTTP edge refuses event times over a day ahead of the real clock): the budget month is 2026-11. */
export const T0 = Date.UTC(2026, 10, 20, 12);

export async function priceModel(tally: Tally): Promise<void> {
  await callProcedure(tally, "prices.upsert", "mutation", { model: MODEL, inputMicrosPerMtok: 1_000_000, outputMicrosPerMtok: 0, effectiveFrom: "2026-01-01T00:00:00Z" });
}

export async function setBudget(tally: Tally, id: string, name: string, usd: number): Promise<void> {
  await callProcedure(tally, "customers.upsert", "mutation", { id, name, monthlyBudgetMicros: usd * 1e6 });
}

let spends = 0;
/** One agent call of `micros` micro-USD for `customerId` at `at`, through track-ai-costs. */
export async function spend(tally: Tally, customerId: string, micros: number, at: number): Promise<void> {
  const n = ++spends;
  const input = { model: MODEL, promptTokens: micros, completionTokens: 0, customerId, ticketId: `T-${n}` };
  const out = await tally.executor.runDeferred({ fnSlug: "tally-track-ai-costs", input }, { ...PARENT, runId: `01ALERTSPEND${n}` }, { runId: `01ALERTCOSTS${n}`, ts: at });
  expect(out.status, JSON.stringify(out.error)).toBe("completed");
}

/** One tick of the cron function as Inngest triggers it (`inngest/scheduled.timer`). */
export async function tick(tally: Tally, runId: string, at: number, maxAttempts = 4) {
  const event = { name: "inngest/scheduled.timer", id: `evt-${runId}`, ts: at, data: { cron: "*/5 * * * *" } };
  const out = await tally.executor.run("evaluate-alerts", event, { runId, maxAttempts });
  expect(out.status, JSON.stringify(out.error)).toBe("completed");
  return out;
}

/** A channel made through `alerts.channels.create`; a webhook's signing secret comes back once. */
export async function addChannel(tally: Tally, kind: "slack" | "webhook", name: string, url: string): Promise<{ id: string; secret?: string }> {
  return (await callProcedure(tally, "alerts.channels.create", "mutation", { kind, name, url })) as { id: string; secret?: string };
}

export async function notifications(tally: Tally) {
  return tally.db.selectFrom("alert_notifications").selectAll().orderBy("created_at").orderBy("id").execute();
}

/** Slack's escaping of `&`, `<`, `>` by hand, `&` first; and what Slack shows, `&amp;` last. */
export const slackEscape = (s: string) => s.split("&").join("&amp;").split("<").join("&lt;").split(">").join("&gt;");
export const slackUnescape = (s: string) => s.split("&lt;").join("<").split("&gt;").join(">").split("&amp;").join("&");

/**
 * The receiver's check, from the Standard Webhooks spec: the key is the base64 after `whsec_`; the signed
 * content is `${webhook-id}.${webhook-timestamp}.${raw body}`; `webhook-signature` is a space-separated list
 * of `v1,<base64 HMAC-SHA256>`; the timestamp within 5 minutes of the receiver's clock.
 */
export function verifyStandardWebhook(secret: string, headers: IncomingMessage["headers"], raw: string, nowMs = Date.now()): boolean {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (typeof id !== "string" || typeof timestamp !== "string" || typeof signatures !== "string") return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > 300) return false;
  const expected = createHmac("sha256", Buffer.from(secret.split("_")[1] ?? "", "base64")).update(`${id}.${timestamp}.${raw}`).digest();
  return signatures.split(" ").some((s) => {
    const [version, sig] = s.split(",");
    const got = Buffer.from(sig ?? "", "base64");
    return version === "v1" && got.length === expected.length && timingSafeEqual(got, expected);
  });
}
