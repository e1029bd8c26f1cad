import { enabledRules, evaluateRules } from "@tally/inngest-functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, fakeSlack } from "./fake-servers.ts";
import { PARENT, startTally, type Tally } from "./harness.ts";
import { notifications, priceModel, spend, T0, tick } from "./alerts-cron-setup.ts";
import { callProcedure } from "./unpriced-money.ts";

// evaluate-alerts and alerts.state for rolling-window rules: a rule turned off and on again, and spend that
// has no price (unknown, never $0). To SLACK_WEBHOOK_URL (no channel configured).
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const UNKNOWN_MODEL = "zz-alerts-unknown-model";

let unpricedCalls = 0;
/** One agent call of a model no price covers, for `customerId` at `at`. */
async function unpricedCall(tally: Tally, customerId: string, at: number): Promise<void> {
  const n = ++unpricedCalls;
  const input = { model: UNKNOWN_MODEL, promptTokens: 1000, completionTokens: 100, customerId, ticketId: `U-${n}` };
  const out = await tally.executor.runDeferred({ fnSlug: "tally-track-ai-costs", input }, { ...PARENT, runId: `01ALERTUNPRICED${n}` }, { runId: `01ALERTUNCOSTS${n}`, ts: at });
  expect(out.status, JSON.stringify(out.error)).toBe("completed");
}

describe("rolling-window rules: turned off and on again, and unpriced spend", { timeout: 60_000 }, () => {
  let slack: FakeServer;
  let tally: Tally;
  let clock = T0;
  let over: string;
  // What alerts.state answers for a rule, evaluated at `clock` (the server's own answer uses its real clock).
  const state = async (ruleId: string) => (await evaluateRules(tally.db, await enabledRules(tally.db), { now: clock, timeZone: "UTC" })).filter((e) => e.ruleId === ruleId);
  beforeAll(async () => {
    slack = await fakeSlack();
    tally = await startTally({ SLACK_WEBHOOK_URL: `${slack.url}/env-hook` }, { clock: () => clock });
    await priceModel(tally);
    await callProcedure(tally, "alerts.rules.update", "mutation", { id: "builtin-budget", enabled: false });
    over = ((await callProcedure(tally, "alerts.rules.create", "mutation", { kind: "spend_over", name: "Over $1 in an hour", params: { amountMicros: 1_000_000, windowHours: 1 } })) as { id: string }).id;
  });
  afterAll(async () => {
    await tally.close();
    await slack.close();
  });

  it("a firing rule turned off keeps no state: turned on again hours later, new spend over the limit is a new episode, sent", async () => {
    await spend(tally, "hooli", 1_500_000, clock - MINUTE);
    await tick(tally, "01TICKOFFON1", clock);
    const [first] = await notifications(tally);
    expect([first?.subject, first?.event, first?.status]).toEqual(["hooli", "firing", "sent"]);
    await callProcedure(tally, "alerts.rules.update", "mutation", { id: over, enabled: false });
    expect(await tally.db.selectFrom("alert_states").select("rule_id").where("rule_id", "=", over).execute()).toEqual([]);
    clock = T0 + 6 * HOUR;
    await spend(tally, "hooli", 2_000_000, clock - MINUTE);
    await callProcedure(tally, "alerts.rules.update", "mutation", { id: over, enabled: true });
    await tick(tally, "01TICKOFFON2", clock);
    const rows = await notifications(tally);
    expect(rows.map((r) => [r.subject, r.event, r.status])).toEqual([
      ["hooli", "firing", "sent"],
      ["hooli", "firing", "sent"],
    ]);
    // The second episode is named by the bucket it began in, six hours after the first.
    expect(Date.parse(rows[1]!.period) - Date.parse(rows[0]!.period)).toBe(6 * HOUR);
    expect(slack.requests).toHaveLength(2);
  });

  it("a rule turned off while a tick evaluates it: the tick records no state for it and sends nothing", async () => {
    clock = T0 + 12 * HOUR;
    await spend(tally, "initech", 3_000_000, clock - MINUTE);
    const before = (await notifications(tally)).length;
    // Turned off (as the API does, states cleared) once the tick has loaded its rules, before it evaluates them.
    let requests = 0;
    const event = { name: "inngest/scheduled.timer", id: "evt-01TICKRACE", ts: clock, data: { cron: "*/5 * * * *" } };
    const out = await tally.executor.run("evaluate-alerts", event, {
      runId: "01TICKRACE",
      beforeRequest: async () => {
        if (++requests !== 2) return;
        await tally.db.updateTable("alert_rules").set({ enabled: 0 }).where("id", "=", over).execute();
        await tally.db.deleteFrom("alert_states").where("rule_id", "=", over).execute();
      },
    });
    expect(out.status).toBe("completed");
    expect((out.result as { rules: number }).rules).toBe(1);
    expect(await tally.db.selectFrom("alert_states").select("rule_id").where("rule_id", "=", over).execute()).toEqual([]);
    expect((await notifications(tally)).length).toBe(before);
    await callProcedure(tally, "alerts.rules.update", "mutation", { id: over, enabled: true });
  });

  it("spend over and spike: a customer whose calls are all unpriced has unknown spend, never $0; a mixed one names the calls left out", async () => {
    clock = T0 + 30 * HOUR;
    const spike = ((await callProcedure(tally, "alerts.rules.create", "mutation", {
      kind: "spend_spike",
      name: "Spike",
      params: { by: "customer", windowHours: 1, baselineHours: 24, factor: 2, minMicros: 100_000 },
    })) as { id: string }).id;
    for (let i = 0; i < 3; i++) await unpricedCall(tally, "ghost", clock - (10 + i) * MINUTE);
    await spend(tally, "mixed", 2_000, clock - 5 * MINUTE);
    await unpricedCall(tally, "mixed", clock - 4 * MINUTE);

    const overNow = await state(over);
    expect(overNow.find((e) => e.subject === "ghost")).toMatchObject({ firing: false, value: null, message: "ghost: none of its 3 calls in the last 1 h is priced, so its spend is unknown" });
    expect(overNow.find((e) => e.subject === "mixed")).toMatchObject({ firing: false, value: 2_000, message: "mixed spent $0.002 + 1 unpriced call not counted in the last 1 h, within $1.00" });
    const spikeNow = await state(spike);
    expect(spikeNow.find((e) => e.subject === "ghost")).toMatchObject({ firing: false, value: null, message: "ghost: none of its 3 calls in the last 1 h is priced, so its spend is unknown" });
    expect(spikeNow.find((e) => e.subject === "mixed")?.message).toMatch(/^mixed spent \$0\.002 \+ 1 unpriced call not counted in the last 1 h: up from nothing against its 1 d baseline/);
  });
});
