import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, call, data, keyFor, type Headers } from "./access-client.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import { deliver } from "./unpriced-money.ts";

// The alerts.* procedures over HTTP: bad rules are a 400 naming the field and change nothing; the built-in
// rule is turned off, not removed; a viewer edits nothing; a channel's URL and signing secret never come back
// (the secret once, on create); alerts.state works without an Inngest engine; history pages newest first.

let tally: Tally;
let viewer: Headers;
const admin: Headers = { ...AUTH };

beforeAll(async () => {
  tally = await startTally({ SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T000/B000/env-secret-path" });
  viewer = await keyFor(tally, "viewer");
  await deliver(tally, [{ runId: "alerts-run-0", model: "gpt-4o", customerId: "acme", promptTokens: 1000, completionTokens: 100, judged: false }]);
  await data(tally, "customers.upsert", "mutation", { id: "acme", name: "Acme", monthlyBudgetMicros: 5_000_000 }, admin);
}, 60_000);
afterAll(() => tally.close());

const create = (input: unknown, headers = admin) => call(tally, "alerts.rules.create", "mutation", input, headers);
const fieldErrors = (a: Answer) => a.body.error?.data?.zodError?.fieldErrors as Record<string, string[]> | undefined;

describe("rules", () => {
  it.each([
    ["a negative amount", { kind: "spend_over", name: "x", params: { amountMicros: -1, windowHours: 24 } }, "params.amountMicros", "must not be negative"],
    ["a window over 30 days", { kind: "spend_over", name: "x", params: { amountMicros: 1, windowHours: 721 } }, "params.windowHours", "at most 720 hours (30 days)"],
    ["k ≤ 1", { kind: "spend_spike", name: "x", params: { by: "model", windowHours: 1, baselineHours: 24, factor: 1 } }, "params.factor", "above 1"],
    ["a threshold over 1", { kind: "quality_drop", name: "x", params: { scoreName: "helpfulness", windowHours: 24, threshold: 1.5 } }, "params.threshold", "from 0 to 1"],
    ["an unknown kind", { kind: "weather", name: "x", params: {} }, "kind", "kind must be one of"],
    ["an unknown parameter", { kind: "unpriced", name: "x", params: { windowHours: 24, colour: "red" } }, "params", ""],
    ["an unknown customer", { kind: "budget", name: "x", params: { thresholds: [50], customerId: "nobody" } }, "params.customerId", 'unknown customer "nobody"'],
    ["an unknown score name", { kind: "quality_drop", name: "x", params: { scoreName: "wit", windowHours: 24, threshold: 0.5 } }, "params.scoreName", 'unknown score name "wit"'],
    ["an empty name", { kind: "unpriced", name: " ", params: {} }, "name", "name is required"],
  ])("refuses %s with a 400 naming the field, and stores nothing", async (_, input, field, message) => {
    const before = await tally.db.selectFrom("alert_rules").select("id").execute();
    const a = await create(input);
    expect(a.status).toBe(400);
    const errors = fieldErrors(a)!;
    expect(Object.keys(errors)).toContain(field);
    expect(errors[field]!.join(" ")).toContain(message);
    expect(await tally.db.selectFrom("alert_rules").select("id").execute()).toEqual(before);
  });

  it("creates, lists with parsed params, updates (params checked against the rule's kind) and removes, each audited", async () => {
    const made = await data(tally, "alerts.rules.create", "mutation", { kind: "budget", name: "Acme at half", params: { thresholds: [100, 50, 50], customerId: "acme" } }, admin);
    expect(made).toMatchObject({ kind: "budget", params: { thresholds: [50, 100], customerId: "acme" }, enabled: true, builtin: false });
    const list = await data(tally, "alerts.rules.list", "query", undefined, viewer);
    expect(list.map((r: { id: string }) => r.id)).toEqual(["builtin-budget", made.id]);
    expect(list[0]).toMatchObject({ kind: "budget", params: { thresholds: [80, 100] }, builtin: true, enabled: true });

    const bad = await call(tally, "alerts.rules.update", "mutation", { id: made.id, params: { thresholds: [-5] } }, admin);
    expect(bad.status).toBe(400);
    expect(Object.keys(fieldErrors(bad)!)).toEqual(["params.thresholds.0"]);
    const updated = await data(tally, "alerts.rules.update", "mutation", { id: made.id, name: "Acme at 60%", params: { thresholds: [60], customerId: "acme" }, enabled: false }, admin);
    expect(updated).toMatchObject({ name: "Acme at 60%", params: { thresholds: [60] }, enabled: false });
    expect(await data(tally, "alerts.rules.remove", "mutation", { id: made.id }, admin)).toEqual({ removed: true });
    const audit = await tally.db.selectFrom("audit_log").select(["action", "target"]).where("action", "like", "alerts.rule.%").orderBy("id").execute();
    expect(audit.map((a) => a.action)).toEqual(["alerts.rule.create", "alerts.rule.update", "alerts.rule.remove"]);
    expect(new Set(audit.map((a) => a.target))).toEqual(new Set([`alertRule:${made.id}`]));
  });

  it("the built-in rule is turned off, not removed", async () => {
    const a = await call(tally, "alerts.rules.remove", "mutation", { id: "builtin-budget" }, admin);
    expect(a.status).toBe(400);
    expect(fieldErrors(a)!.id!.join()).toContain("turn it off instead");
    expect(await data(tally, "alerts.rules.update", "mutation", { id: "builtin-budget", enabled: false }, admin)).toMatchObject({ enabled: false, builtin: true });
    expect(await data(tally, "alerts.rules.update", "mutation", { id: "builtin-budget", enabled: true }, admin)).toMatchObject({ enabled: true });
  });

  it("a viewer reads rules, state and history but changes nothing", async () => {
    expect((await create({ kind: "unpriced", name: "x", params: {} }, viewer)).status).toBe(403);
    expect((await call(tally, "alerts.rules.update", "mutation", { id: "builtin-budget", enabled: false }, viewer)).status).toBe(403);
    expect((await call(tally, "alerts.channels.list", "query", undefined, viewer)).status).toBe(403);
    expect((await call(tally, "alerts.state", "query", undefined, viewer)).status).toBe(200);
  });
});

describe("channels", () => {
  const URL_SECRET = "https://relay.example.com/hooks/path-token-abc123";

  it("answers the webhook secret once; no answer ever carries the URL or the secret", async () => {
    const made = await data(tally, "alerts.channels.create", "mutation", { kind: "webhook", name: "Relay", url: URL_SECRET }, admin);
    expect(made.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Buffer.from(made.secret.slice(6), "base64")).toHaveLength(24);
    const slack = await data(tally, "alerts.channels.create", "mutation", { kind: "slack", name: "Ops", url: "https://hooks.slack.com/services/T1/B1/slack-token-xyz" }, admin);
    expect(slack).toEqual({ id: expect.any(String) });
    await data(tally, "alerts.channels.update", "mutation", { id: made.id, url: "https://relay.example.com/hooks/path-token-def456", name: "Relay 2" }, admin);
    const list = await data(tally, "alerts.channels.list", "query", undefined, admin);
    expect(list).toEqual([
      { id: made.id, kind: "webhook", name: "Relay 2", host: "relay.example.com", enabled: true, createdAt: expect.any(Number), hasSecret: true },
      { id: slack.id, kind: "slack", name: "Ops", host: "hooks.slack.com", enabled: true, createdAt: expect.any(Number), hasSecret: false },
    ]);
    // Every read answer, and the audit log as admins read it.
    const answers = JSON.stringify([
      list,
      await data(tally, "alerts.state", "query", undefined, admin),
      await data(tally, "alerts.history", "query", {}, admin),
      await data(tally, "audit.list", "query", {}, admin),
      await data(tally, "alerts.channels.update", "mutation", { id: made.id, enabled: false }, admin),
    ]);
    for (const secret of [made.secret, "path-token-abc123", "path-token-def456", "slack-token-xyz", "env-secret-path"]) expect(answers).not.toContain(secret);
    expect(await data(tally, "alerts.channels.remove", "mutation", { id: slack.id }, admin)).toEqual({ removed: true });
  });

  it.each([
    ["http to another host", "http://relay.example.com/x", "https"],
    ["not a URL", "relay", "full URL"],
    ["credentials in the URL", "https://user:pw@relay.example.com/x", "user name or password"],
  ])("refuses %s under url", async (_, url, message) => {
    const a = await call(tally, "alerts.channels.create", "mutation", { kind: "webhook", name: "x", url }, admin);
    expect(a.status).toBe(400);
    expect(fieldErrors(a)!.url!.join()).toContain(message);
  });

  it("allows http to a loopback host (a local relay, tests)", async () => {
    expect((await call(tally, "alerts.channels.create", "mutation", { kind: "webhook", name: "local", url: "http://127.0.0.1:9/x" }, admin)).status).toBe(200);
  });
});

describe("reads", () => {
  it("budgets: month-to-date spend, use, state from the built-in rule's 80%, and the month-end forecast", async () => {
    // $1 per million tokens in and out: a run of 4,000 + 1,000 tokens costs 5,000 micro-USD. Two runs on June 1.
    await tally.db
      .insertInto("model_prices")
      .values({ model: "budget-model", provider: "", input_micros_per_mtok: 1_000_000, output_micros_per_mtok: 1_000_000, cache_read_micros_per_mtok: null, cache_write_micros_per_mtok: null, effective_from: 0, created_at: 0 })
      .execute();
    await data(tally, "customers.upsert", "mutation", { id: "budgeted", name: "Budgeted", monthlyBudgetMicros: 10_000 }, admin);
    await deliver(tally, [0, 1].map((i) => ({ runId: `budget-run-${i}`, model: "budget-model", customerId: "budgeted", promptTokens: 4000, completionTokens: 1000, judged: false })));
    const june = await data(tally, "alerts.budgets", "query", { from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 6, 1), timeZone: "UTC" }, viewer);
    expect(june.month).toBe("2026-06");
    // The whole month: the forecast is what was spent.
    expect(june.rows.find((r: { customerId: string }) => r.customerId === "budgeted")).toEqual({
      customerId: "budgeted",
      name: "Budgeted",
      month: "2026-06",
      spentMicros: 10_000,
      unpricedCalls: 0,
      budgetMicros: 10_000,
      use: 1,
      warningAt: 0.8,
      state: "over",
      forecast: { micros: 10_000, lowMicros: 10_000, highMicros: 10_000 },
      forecastOver: false,
    });
    // Seen from the end of June 10: $0.01 in 10 days carried over 30 is 30,000; nine full days (10,000, then
    // eight 0s): s² = 88,888,888.9 / 8, half = t(0.975, 8) · s · √(20 + 20²/9).
    const early = await data(tally, "alerts.budgets", "query", { from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 5, 11), timeZone: "UTC" }, viewer);
    const row = early.rows.find((r: { customerId: string }) => r.customerId === "budgeted");
    expect(row.forecast.micros).toBe(30_000);
    expect(row.forecast.lowMicros).toBe(10_000);
    expect(Math.abs(row.forecast.highMicros - (30_000 + 2.306 * Math.sqrt(88_888_888.9 / 8) * Math.sqrt(20 + 400 / 9)))).toBeLessThan(2);
    expect(row.forecastOver).toBe(true);
    // Before the month's first full day there is no forecast (the $0.01 of June 1 so far would read as $0.30 by
    // month end, "over" from a few hours); from June 2 00:00 there is one: one full day of 10,000, times 30.
    const firstDay = await data(tally, "alerts.budgets", "query", { from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 5, 2), timeZone: "UTC" }, viewer);
    expect(firstDay.rows.find((r: { customerId: string }) => r.customerId === "budgeted")).toMatchObject({ spentMicros: 10_000, state: "over", forecast: null, forecastOver: false });
    const secondDay = await data(tally, "alerts.budgets", "query", { from: Date.UTC(2026, 5, 1), to: Date.UTC(2026, 5, 2) + 1, timeZone: "UTC" }, viewer);
    expect(secondDay.rows.find((r: { customerId: string }) => r.customerId === "budgeted")).toMatchObject({ forecast: { micros: 300_000, lowMicros: null, highMicros: null }, forecastOver: true });
    // acme's only calls are unpriced (gpt-4o is priced by genai-prices, so acme has a priced spend here): known.
    expect(early.rows.find((r: { customerId: string }) => r.customerId === "acme").spentMicros).toBeGreaterThan(0);
  });


  it("state evaluates every enabled rule now (no engine) and names the default channel only without channels", async () => {
    const state = await data(tally, "alerts.state", "query", undefined, admin);
    expect(state.evaluations.filter((e: { ruleId: string }) => e.ruleId === "builtin-budget").map((e: { subject: string; period: string }) => e.subject)).toEqual(["acme", "acme", "budgeted", "budgeted"]);
    // Channels exist (created above): alerts go to them, not to SLACK_WEBHOOK_URL.
    expect(state.defaultChannel).toBeNull();
    const fresh = await startTally({ SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T/B/x" });
    try {
      expect((await data(fresh, "alerts.state", "query", undefined, admin)).defaultChannel).toBe("slack-env");
    } finally {
      await fresh.close();
    }
  }, 30_000);

  it("history pages newest first by a keyset cursor, filtered by rule and status", async () => {
    const row = (i: number, status: "sent" | "failed") => ({
      id: `builtin-budget:acme:2026-12@80:firing:ch${i}`,
      rule_id: "builtin-budget",
      subject: "acme",
      period: "2026-12@80",
      event: "firing" as const,
      channel_id: `ch${i}`,
      status,
      attempts: 1,
      last_error: null,
      message: "m",
      link: "/spend",
      created_at: 1000 + Math.floor(i / 2),
      sent_at: null,
    });
    await tally.db.insertInto("alert_notifications").values([0, 1, 2, 3, 4].map((i) => row(i, i === 3 ? "failed" : "sent"))).execute();
    const first = await data(tally, "alerts.history", "query", { limit: 2 }, viewer);
    expect(first.items.map((n: { channelId: string }) => n.channelId)).toEqual(["ch4", "ch3"]);
    const second = await data(tally, "alerts.history", "query", { limit: 2, cursor: first.nextCursor }, viewer);
    expect(second.items.map((n: { channelId: string }) => n.channelId)).toEqual(["ch2", "ch1"]);
    const third = await data(tally, "alerts.history", "query", { limit: 2, cursor: second.nextCursor }, viewer);
    expect(third).toMatchObject({ items: [{ channelId: "ch0", ruleName: "Monthly budget (80% and 100%)" }], nextCursor: null });
    expect((await data(tally, "alerts.history", "query", { status: "failed" }, viewer)).items.map((n: { channelId: string }) => n.channelId)).toEqual(["ch3"]);
    const bad = await call(tally, "alerts.history", "query", { cursor: "nope" }, viewer);
    expect(bad.status).toBe(400);
    expect(Object.keys(fieldErrors(bad)!)).toEqual(["cursor"]);
  });
});
