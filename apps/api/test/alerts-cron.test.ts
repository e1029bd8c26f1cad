import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, fakeInngestApi, fakeSlack, fakeWebhook } from "./fake-servers.ts";
import { startTally, type Tally } from "./harness.ts";
import type { Json } from "./json.ts";
import { rawRequest } from "./raw-http.ts";
import {
  addChannel,
  slackEscape,
  notifications,
  PUBLIC_URL,
  priceModel,
  setBudget,
  spend,
  T0,
  tick,
  slackUnescape,
  verifyStandardWebhook,
} from "./alerts-cron-setup.ts";

// The evaluate-alerts cron function through the real serve() handler, with loopback Slack and webhook
// receivers. Spend is priced at 1 µ$ per prompt token, so each figure below is the budget share by hand:
// acme's budget $10 = 10,000,000 µ$; 7,000,000 spent = 70% (below 80%); +1,500,000 = 85% (crosses 80%).
const MINUTE = 60_000;
const NAME = "Acme <!channel> & <https://evil.example|Co>";

describe("a budget crossing reaches Slack and a signed webhook once, and resolves once", { timeout: 30_000 }, () => {
  let slack: FakeServer;
  let hook: FakeServer;
  let tally: Tally;
  let secret = "";
  let slackId = "";
  let hookId = "";
  let clock = T0;
  beforeAll(async () => {
    slack = await fakeSlack();
    hook = await fakeWebhook();
    tally = await startTally({ TALLY_PUBLIC_URL: PUBLIC_URL, SLACK_WEBHOOK_URL: `${slack.url}/env-hook-never-used` }, { clock: () => clock });
    await priceModel(tally);
    await setBudget(tally, "acme", NAME, 10);
    slackId = (await addChannel(tally, "slack", "Finance Slack", `${slack.url}/channel-hook`)).id;
    const created = await addChannel(tally, "webhook", "Ops webhook", `${hook.url}/alerts`);
    [hookId, secret] = [created.id, created.secret ?? ""];
  });
  afterAll(async () => {
    await tally.close();
    await slack.close();
    await hook.close();
  });

  it("below the threshold: a tick sends nothing", async () => {
    await spend(tally, "acme", 7_000_000, T0 - 60 * MINUTE);
    await tick(tally, "01TICKBELOW", clock);
    expect(slack.requests).toEqual([]);
    expect(hook.requests).toEqual([]);
    expect(await notifications(tally)).toEqual([]);
  });

  it("crossing 80%: exactly one Slack message (escaped, with a button to the view) and one signed webhook", async () => {
    await spend(tally, "acme", 1_500_000, T0 - 30 * MINUTE);
    clock = T0 + 5 * MINUTE;
    await tick(tally, "01TICKCROSS", clock);
    expect(slack.requests).toHaveLength(1);
    expect(hook.requests).toHaveLength(1);
    const rows = await notifications(tally);
    expect(rows.map((r) => [r.rule_id, r.subject, r.event, r.status, r.attempts]).sort()).toEqual([
      ["builtin-budget", "acme", "firing", "sent", 1],
      ["builtin-budget", "acme", "firing", "sent", 1],
    ]);
    const row = rows.find((r) => r.channel_id === slackId)!;
    const webhookRow = rows.find((r) => r.channel_id === hookId)!;
    expect(row.id).toBe(`builtin-budget:acme:${row.period}:firing:${slackId}`);
    expect(webhookRow.id).toBe(`builtin-budget:acme:${row.period}:firing:${hookId}`);
    expect(row.period).toMatch(/^2026-11/);
    // Only what can change something is kept: the firing 80% state, not the 100% one nobody crossed.
    const states = await tally.db.selectFrom("alert_states").select(["rule_id", "subject", "period", "firing"]).execute();
    expect(states).toEqual([{ rule_id: "builtin-budget", subject: "acme", period: row.period, firing: 1 }]);
    expect(row.sent_at).toBe(clock);
    const url = new URL(row.link.replace(/^\/+/, ""), `${PUBLIC_URL}/`).toString();
    expect(url.startsWith(`${PUBLIC_URL}/`)).toBe(true);

    // Slack: the channel's own URL, Block Kit, every value escaped, the button to the exact view.
    const s = slack.requests[0]!;
    expect(s.path).toBe("/channel-hook");
    const blocks = s.body.blocks as { type: string; text?: { type: string; text: string }; elements?: { text: unknown; url?: string }[] }[];
    expect(blocks.map((b) => b.type)).toEqual(["header", "section", "context", "actions"]);
    expect(blocks[0]!.text).toMatchObject({ type: "plain_text", text: "🔔 Alert: Monthly budget (80% and 100%)" });
    expect(blocks[1]!.text).toEqual({ type: "mrkdwn", text: slackEscape(row.message) });
    expect(slackUnescape(blocks[1]!.text!.text)).toBe(row.message);
    expect(blocks[3]!.elements?.[0]?.url).toBe(url);
    const sent = JSON.stringify(s.body);
    for (const bad of ["<!channel>", "<https://evil.example"]) expect(sent).not.toContain(bad);
    expect([...sent].filter((c) => c === "<" || c === ">")).toEqual([]);

    // Webhook: Standard Webhooks headers, verified by the spec's own rule with the secret shown once.
    const h = hook.requests[0]!;
    expect(h.headers["webhook-id"]).toBe(webhookRow.id);
    expect(Number(h.headers["webhook-timestamp"])).toBeCloseTo(Date.now() / 1000, -2);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(verifyStandardWebhook(secret, h.headers, h.raw)).toBe(true);
    expect(verifyStandardWebhook(secret, h.headers, h.raw.replace("firing", "resolved"))).toBe(false);
    expect(verifyStandardWebhook(`whsec_${Buffer.alloc(24, 1).toString("base64")}`, h.headers, h.raw)).toBe(false);
    expect(h.body).toEqual({
      type: "alert.firing",
      timestamp: new Date(clock).toISOString(),
      data: expect.objectContaining({ id: webhookRow.id, event: "firing", ruleId: "builtin-budget", subject: "acme", period: row.period, message: row.message, url }),
    });
  });

  it("a duplicate tick, the same tick again and the next tick send nothing more", async () => {
    await tick(tally, "01TICKCROSS", clock);
    await tick(tally, "01TICKCROSSDUP", clock);
    clock += 5 * MINUTE;
    await tick(tally, "01TICKNEXT", clock);
    expect(slack.requests).toHaveLength(1);
    expect(hook.requests).toHaveLength(1);
    expect(await notifications(tally)).toHaveLength(2);
  });

  it("back under the threshold (budget raised to $100): resolved once per channel, then nothing", async () => {
    await setBudget(tally, "acme", NAME, 100);
    clock += 5 * MINUTE;
    await tick(tally, "01TICKRESOLVE", clock);
    await tick(tally, "01TICKRESOLVEDUP", clock + 5 * MINUTE);
    expect(slack.requests).toHaveLength(2);
    expect(hook.requests).toHaveLength(2);
    const resolved = (await notifications(tally)).filter((r) => r.event === "resolved");
    expect(resolved.map((r) => [r.subject, r.status])).toEqual([["acme", "sent"], ["acme", "sent"]]);
    expect(slack.requests[1]!.body.blocks[0].text.text).toBe("✅ Resolved: Monthly budget (80% and 100%)");
    expect(hook.requests[1]!.body.type).toBe("alert.resolved");
    expect(verifyStandardWebhook(secret, hook.requests[1]!.headers, hook.requests[1]!.raw)).toBe(true);
  });

  it("over again in the same month: a second episode, sent once and resolved once", async () => {
    await setBudget(tally, "acme", NAME, 10);
    clock += 5 * MINUTE;
    await tick(tally, "01TICKREFIRE", clock);
    await tick(tally, "01TICKREFIREDUP", clock + MINUTE);
    expect(slack.requests).toHaveLength(3);
    expect(hook.requests).toHaveLength(3);
    expect(slack.requests[2]!.body.blocks[0].text.text).toBe("🔔 Alert: Monthly budget (80% and 100%)");
    expect(hook.requests[2]!.body.type).toBe("alert.firing");
    const rows = await notifications(tally);
    expect(rows).toHaveLength(6);
    expect(rows.filter((r) => r.event === "firing" && r.id.endsWith(":2")).map((r) => r.status)).toEqual(["sent", "sent"]);
    await setBudget(tally, "acme", NAME, 100);
    clock += 5 * MINUTE;
    await tick(tally, "01TICKRERESOLVE", clock);
    await tick(tally, "01TICKRERESOLVEDUP", clock + MINUTE);
    expect(slack.requests.map((r) => r.body.blocks[0].text.text.split(" ")[0])).toEqual(["🔔", "✅", "🔔", "✅"]);
    expect(await notifications(tally)).toHaveLength(8);
  });
});

describe("evaluate-alerts as the SDK registers it", { timeout: 30_000 }, () => {
  it("is a cron every 5 minutes, one run at a time, 3 retries per step", async () => {
    const api = await fakeInngestApi();
    const tally = await startTally({ INNGEST_BASE_URL: api.url });
    try {
      const sync = await rawRequest(tally.base, "PUT", "/api/inngest", "", {});
      expect(sync.status, sync.text).toBe(200);
      const fns: Record<string, Json>[] = api.requests.find((r) => r.path.startsWith("/fn/register"))!.body.functions;
      const fn = fns.find((f) => f.id === "tally-evaluate-alerts");
      expect(fn).toMatchObject({ triggers: [{ cron: "*/5 * * * *" }], concurrency: { limit: 1 } });
      expect(Object.values(fn!.steps as Record<string, { retries: { attempts: number } }>)[0]!.retries).toEqual({ attempts: 3 });
    } finally {
      await tally.close();
      await api.close();
    }
  });
});

describe("a webhook that fails twice, then answers", { timeout: 30_000 }, () => {
  let slack: FakeServer;
  let hook: FakeServer;
  let tally: Tally;
  let secret = "";
  beforeAll(async () => {
    slack = await fakeSlack();
    hook = await fakeWebhook([503, 503]);
    tally = await startTally({ TALLY_PUBLIC_URL: PUBLIC_URL }, { clock: () => T0 });
    await priceModel(tally);
    await setBudget(tally, "globex", "Globex", 1);
    await addChannel(tally, "slack", "Slack", `${slack.url}/hook`);
    secret = (await addChannel(tally, "webhook", "Webhook", `${hook.url}/in`)).secret ?? "";
    await spend(tally, "globex", 950_000, T0 - MINUTE);
  });
  afterAll(async () => {
    await tally.close();
    await slack.close();
    await hook.close();
  });

  it("is retried alone: one delivery lands, Slack is sent once, attempts and the last error recorded", async () => {
    const out = await tick(tally, "01TICKRETRY", T0);
    expect(out.attempts).toBe(3);
    expect(hook.requests).toHaveLength(3);
    expect(slack.requests).toHaveLength(1);
    // The same message each time: one id, one body, each signature valid.
    expect(new Set(hook.requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(new Set(hook.requests.map((r) => r.raw)).size).toBe(1);
    for (const r of hook.requests) expect(verifyStandardWebhook(secret, r.headers, r.raw)).toBe(true);
    const row = (await notifications(tally)).find((r) => r.id === hook.requests[0]!.headers["webhook-id"])!;
    expect([row.status, row.attempts]).toEqual(["sent", 3]);
    expect(row.last_error).toMatch(/answered 503/);

    await tick(tally, "01TICKRETRYNEXT", T0);
    expect(hook.requests).toHaveLength(3);
    expect(slack.requests).toHaveLength(1);
  });
});

describe("a webhook that never answers well", { timeout: 30_000 }, () => {
  let slack: FakeServer;
  let hook: FakeServer;
  let tally: Tally;
  beforeAll(async () => {
    slack = await fakeSlack();
    hook = await fakeWebhook(Array(20).fill(500));
    tally = await startTally({}, { clock: () => T0 });
    await priceModel(tally);
    await setBudget(tally, "initech", "Initech", 1);
    await addChannel(tally, "webhook", "Webhook", `${hook.url}/in`);
    await addChannel(tally, "slack", "Slack", `${slack.url}/hook`);
    await spend(tally, "initech", 900_000, T0 - MINUTE);
  });
  afterAll(async () => {
    await tally.close();
    await slack.close();
    await hook.close();
  });

  it("is marked failed after its last attempt; the tick completes, Slack still sent, no later tick retries it", async () => {
    await tick(tally, "01TICKFAIL", T0);
    expect(hook.requests).toHaveLength(4);
    expect(slack.requests).toHaveLength(1);
    const rows = await notifications(tally);
    const failed = rows.find((r) => r.id === hook.requests[0]!.headers["webhook-id"])!;
    expect([failed.status, failed.attempts, failed.sent_at]).toEqual(["failed", 4, null]);
    expect(failed.last_error).toMatch(/answered 500/);
    await tick(tally, "01TICKFAILNEXT", T0 + 5 * MINUTE);
    expect(hook.requests).toHaveLength(4);
  });
});

describe("no channel configured: SLACK_WEBHOOK_URL is the channel", { timeout: 30_000 }, () => {
  let slack: FakeServer;
  let tally: Tally;
  beforeAll(async () => {
    slack = await fakeSlack();
    tally = await startTally({ SLACK_WEBHOOK_URL: `${slack.url}/env-hook` }, { clock: () => T0 });
    await priceModel(tally);
    await setBudget(tally, "umbrella", "Umbrella", 1);
    await spend(tally, "umbrella", 1_200_000, T0 - MINUTE);
  });
  afterAll(async () => {
    await tally.close();
    await slack.close();
  });

  it("sends each crossing once to slack-env", async () => {
    await tick(tally, "01TICKENV", T0);
    await tick(tally, "01TICKENV2", T0 + 5 * MINUTE);
    const rows = await notifications(tally);
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => [r.channel_id, r.status, r.event].join()))).toEqual(new Set(["slack-env,sent,firing"]));
    expect(slack.requests.map((r) => r.path)).toEqual(rows.map(() => "/env-hook"));
  });
});
