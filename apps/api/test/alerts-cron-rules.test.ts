import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, fakeSlack } from "./fake-servers.ts";
import { startTally, type Tally } from "./harness.ts";
import { notifications, priceModel, spend, T0, tick } from "./alerts-cron-setup.ts";
import { callProcedure } from "./unpriced-money.ts";

// evaluate-alerts with rules made through the API, to SLACK_WEBHOOK_URL (no channel configured).
const MINUTE = 60_000;

describe("a rolling-window rule across ticks: one episode, one firing and one resolved", { timeout: 30_000 }, () => {
  let slack: FakeServer;
  let tally: Tally;
  let clock = T0;
  beforeAll(async () => {
    slack = await fakeSlack();
    tally = await startTally({ SLACK_WEBHOOK_URL: `${slack.url}/env-hook` }, { clock: () => clock });
    await priceModel(tally);
    await callProcedure(tally, "alerts.rules.update", "mutation", { id: "builtin-budget", enabled: false });
    await callProcedure(tally, "alerts.rules.create", "mutation", { kind: "spend_over", name: "Any customer over $1 in an hour", params: { amountMicros: 1_000_000, windowHours: 1 } });
  });
  afterAll(async () => {
    await tally.close();
    await slack.close();
  });

  // The window is [end − 1 h, end) in whole 15-minute buckets, end the boundary after now (evaluateRules):
  // spend at 11:59 is in it until the tick at 12:44 and out of it from 12:45.
  it("fires once while the window holds the spend (ticks in later 15-minute buckets), resolves once when it leaves", async () => {
    await spend(tally, "hooli", 1_500_000, T0 - MINUTE);
    for (const [i, minutes] of [0, 5, 20, 35, 40].entries()) {
      clock = T0 + minutes * MINUTE;
      await tick(tally, `01TICKWINDOW${i}`, clock);
    }
    expect(slack.requests.map((r) => r.body.blocks[0].text.text)).toEqual(["🔔 Alert: Any customer over $1 in an hour"]);
    clock = T0 + 2 * 60 * MINUTE;
    await tick(tally, "01TICKWINDOWEND", clock);
    await tick(tally, "01TICKWINDOWEND2", clock + 5 * MINUTE);
    const rows = await notifications(tally);
    expect(rows.map((r) => [r.subject, r.event, r.status])).toEqual([
      ["hooli", "firing", "sent"],
      ["hooli", "resolved", "sent"],
    ]);
    expect(rows[1]!.period).toBe(rows[0]!.period);
    expect(slack.requests.map((r) => r.body.blocks[0].text.text)).toEqual(["🔔 Alert: Any customer over $1 in an hour", "✅ Resolved: Any customer over $1 in an hour"]);
  });

  it("a rule whose stored params stop parsing keeps its firing state: no resolution is made up, the tick says why", async () => {
    await spend(tally, "hooli", 1_500_000, clock - MINUTE);
    await tick(tally, "01TICKWINDOWAGAIN", clock);
    expect(slack.requests).toHaveLength(3);
    const firing = await tally.db.selectFrom("alert_states").select(["subject", "period", "firing"]).execute();
    expect(firing).toEqual([{ subject: "hooli", period: expect.any(String), firing: 1 }]);
    await tally.db.updateTable("alert_rules").set({ params: JSON.stringify({ amountMicros: -1, windowHours: 1 }) }).where("kind", "=", "spend_over").execute();
    const out = await tick(tally, "01TICKBADPARAMS", clock + 5 * MINUTE);
    expect(Object.values((out.result as { ruleErrors: Record<string, string> }).ruleErrors)).toEqual(["stored params do not parse for its kind"]);
    expect(await tally.db.selectFrom("alert_states").select(["subject", "period", "firing"]).execute()).toEqual(firing);
    expect(slack.requests).toHaveLength(3);
  });
});
