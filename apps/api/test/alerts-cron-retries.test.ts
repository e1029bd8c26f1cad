import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addChannel, notifications, priceModel, spend, T0, tick } from "./alerts-cron-setup.ts";
import { type FakeServer, fakeSlack, fakeWebhook } from "./fake-servers.ts";
import { startTally, type Tally } from "./harness.ts";
import { callProcedure } from "./unpriced-money.ts";

// Retries of alert sends: Slack's Retry-After is the retry's delay; a notification waiting for its retry when
// its rule is turned off or removed is not sent: it fails at the retry, saying why (the receiver turns the
// rule off, then removes the next one, before answering 503).
const MINUTE = 60_000;

describe("a rule turned off or removed while its notification waits for a retry", { timeout: 30_000 }, () => {
  let hook: FakeServer;
  let tally: Tally;
  const rules: string[] = [];
  const create = async (name: string) =>
    ((await callProcedure(tally, "alerts.rules.create", "mutation", { kind: "spend_over", name, params: { amountMicros: 500_000, windowHours: 1 } })) as { id: string }).id;
  beforeAll(async () => {
    hook = await fakeWebhook([503, 503], async (i) => {
      if (i === 0) await callProcedure(tally, "alerts.rules.update", "mutation", { id: rules[0], enabled: false });
      if (i === 1) await callProcedure(tally, "alerts.rules.remove", "mutation", { id: rules[1] });
    });
    tally = await startTally({}, { clock: () => T0 });
    await priceModel(tally);
    await callProcedure(tally, "alerts.rules.update", "mutation", { id: "builtin-budget", enabled: false });
    rules.push(await create("Over $0.50"));
    await addChannel(tally, "webhook", "Webhook", `${hook.url}/in`);
    await spend(tally, "umbrella", 900_000, T0 - MINUTE);
  });
  afterAll(async () => {
    await tally.close();
    await hook.close();
  });

  it("turned off: failed at the retry, one request made", async () => {
    await tick(tally, "01TICKOFF", T0);
    expect(hook.requests).toHaveLength(1);
    const rows = await notifications(tally);
    expect(rows.map((r) => [r.status, r.attempts, r.last_error])).toEqual([["failed", 2, "rule Over $0.50 is turned off"]]);
  });

  it("removed: likewise", async () => {
    rules.push(await create("Also over $0.50"));
    await tick(tally, "01TICKGONE", T0 + 5 * MINUTE);
    expect(hook.requests).toHaveLength(2);
    const rows = (await notifications(tally)).filter((r) => r.rule_id === rules[1]);
    expect(rows.map((r) => [r.status, r.attempts, r.last_error])).toEqual([["failed", 2, `rule ${rules[1]} was removed`]]);
  });
});

describe("Slack answering 429 with Retry-After", { timeout: 30_000 }, () => {
  it("the step's retry waits as long as Slack asked; the alert is then sent once", async () => {
    const slack = await fakeSlack([429], { "retry-after": "60" });
    const tally = await startTally({}, { clock: () => T0 });
    try {
      await priceModel(tally);
      await callProcedure(tally, "alerts.rules.update", "mutation", { id: "builtin-budget", enabled: false });
      await callProcedure(tally, "alerts.rules.create", "mutation", { kind: "spend_over", name: "Over $0.50", params: { amountMicros: 500_000, windowHours: 1 } });
      await addChannel(tally, "slack", "Slack", `${slack.url}/hook`);
      await spend(tally, "umbrella", 900_000, T0 - MINUTE);
      const out = await tick(tally, "01TICK429", T0);
      expect(out.responses.map((r) => r.retryAfter).filter((r) => r !== null)).toEqual(["60"]);
      expect(slack.requests).toHaveLength(2);
      expect((await notifications(tally)).map((r) => [r.status, r.attempts])).toEqual([["sent", 2]]);
    } finally {
      await tally.close();
      await slack.close();
    }
  });
});

describe("two ticks at once (two apps serving the cron, a redelivery)", { timeout: 30_000 }, () => {
  it("send each alert once: the second waits for the first's send, then finds it sent", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const hook = await fakeWebhook([], async () => held);
    const tally = await startTally({}, { clock: () => T0 });
    try {
      await priceModel(tally);
      await callProcedure(tally, "alerts.rules.update", "mutation", { id: "builtin-budget", enabled: false });
      await callProcedure(tally, "alerts.rules.create", "mutation", { kind: "spend_over", name: "Over $0.50", params: { amountMicros: 500_000, windowHours: 1 } });
      await addChannel(tally, "webhook", "Webhook", `${hook.url}/in`);
      await spend(tally, "umbrella", 900_000, T0 - MINUTE);
      const event = (runId: string) => ({ name: "inngest/scheduled.timer", id: `evt-${runId}`, ts: T0, data: { cron: "*/5 * * * *" } });
      const first = tally.executor.run("evaluate-alerts", event("01TICKA"), { runId: "01TICKA" });
      await expect.poll(() => hook.requests.length).toBe(1);
      const second = await tally.executor.run("evaluate-alerts", event("01TICKB"), {
        runId: "01TICKB",
        // Inngest waits the Retry-After the held claim answers; meanwhile the first tick's send completes.
        beforeRequest: async (attempt) => {
          if (attempt === 0) return;
          release();
          await first;
        },
      });
      const a = await first;
      expect([a.status, second.status]).toEqual(["completed", "completed"]);
      expect(hook.requests).toHaveLength(1);
      const [row] = await notifications(tally);
      const sent = (out: { result: unknown }) => (out.result as { sent: Record<string, string> }).sent;
      expect(sent(a)).toEqual({ [row!.id]: "sent" });
      expect(sent(second)).toEqual({ [row!.id]: "skipped" });
      expect([row!.status, row!.attempts]).toEqual(["sent", 1]);
      expect(second.responses.some((r) => r.retryAfter !== null)).toBe(true);
      expect(await tally.db.selectFrom("side_effect_claims").selectAll().execute()).toEqual([]);
    } finally {
      release();
      await tally.close();
      await hook.close();
    }
  });
});
