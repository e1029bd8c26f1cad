import { describe, expect, it } from "vitest";
import { deliveryNote, type EvaluationInput, type NotificationInput, prepareHistory, prepareRules, type RuleInput, safeLink } from "./prepare-alerts.ts";

const rule = (id: string, name: string, enabled = true): RuleInput => ({ id, kind: "budget", name, enabled, builtin: false });
const ev = (ruleId: string, subject: string, firing: boolean, link = `/spend?customer=${subject}`, threshold: number | null = null): EvaluationInput => ({
  ruleId,
  subject,
  subjectLabel: subject.toUpperCase(),
  period: `2026-12@${threshold}`,
  firing,
  threshold,
  message: `${subject} ${firing ? "fires" : "is fine"}`,
  link,
});

describe("prepareRules", () => {
  it("puts firing rules first with their firing subjects, counts the quiet ones, and says the state in words", () => {
    const views = prepareRules(
      [rule("a", "Alpha"), rule("b", "Budget"), rule("c", "Costs", false), rule("d", "Drop")],
      [ev("b", "globex", true), ev("b", "acme", true), ev("b", "initech", false), ev("a", "x", false), ev("d", "q", true), ev("c", "z", true)],
    );
    expect(views.map((v) => [v.rule.id, v.status, v.statusLabel, v.firing.map((f) => f.subject), v.quiet])).toEqual([
      ["b", "firing", "firing for 2 subjects", ["acme", "globex"], 1],
      ["d", "firing", "firing for 1 subject", ["q"], 0],
      ["a", "ok", "not firing", [], 1],
      // A rule turned off shows nothing firing, whatever was evaluated.
      ["c", "off", "turned off", [], 0],
    ]);
    expect(views[0]?.firing[0]?.href).toBe("/spend?customer=acme");
  });

  it("counts a subject once, showing its highest threshold crossed (a budget rule evaluates 80% and 100% apart)", () => {
    const [view] = prepareRules(
      [rule("b", "Budget")],
      [ev("b", "globex", true, "/g", 400_000), ev("b", "globex", true, "/g", 500_000), ev("b", "acme", true, "/a", 1_600_000), ev("b", "acme", false, "/a", 2_000_000), ev("b", "umbrella", false, "/u", 8_000_000), ev("b", "umbrella", false, "/u", 10_000_000)],
    );
    expect(view?.statusLabel).toBe("firing for 2 subjects");
    expect(view?.firing.map((f) => [f.subject, f.threshold])).toEqual([["acme", 1_600_000], ["globex", 500_000]]);
    expect(view?.quiet).toBe(1);
  });
});

describe("safeLink", () => {
  it("keeps same-origin paths, takes an absolute link's path on this dashboard, and drops anything else", () => {
    expect(safeLink("/quality?model=gpt-4o&score=helpfulness")).toBe("/quality?model=gpt-4o&score=helpfulness");
    expect(safeLink("https://tally.example.com/spend?customer=globex&range=this-month")).toBe("/spend?customer=globex&range=this-month");
    expect(["//evil.test", "javascript:alert(1)", "/\\evil.test", "ftp://x/y", "", null, undefined].map(safeLink)).toEqual([null, null, null, null, null, null, null]);
  });
});

describe("prepareHistory", () => {
  const n = (over: Partial<NotificationInput>): NotificationInput => ({
    id: "n",
    ruleId: "b",
    ruleName: "Budget",
    subject: "globex",
    period: "2026-12",
    event: "firing",
    channelId: "slack-env",
    status: "sent",
    attempts: 1,
    lastError: null,
    message: "m",
    link: "/spend?customer=globex",
    createdAt: 1,
    sentAt: 2,
    ...over,
  });
  it("words each outcome and names the rule", () => {
    const rows = prepareHistory(
      [n({}), n({ event: "resolved" }), n({ status: "failed", attempts: 3, lastError: "HTTP 500" }), n({ status: "pending", attempts: 0 }), n({ status: "pending", attempts: 2, ruleId: "gone", ruleName: null, link: "javascript:alert(1)" })],
    );
    expect(rows.map((r) => [r.ruleName, r.event, r.outcome, r.tone, r.href])).toEqual([
      ["Budget", "firing", "sent", "", "/spend?customer=globex"],
      ["Budget", "resolved", "sent", "good", "/spend?customer=globex"],
      ["Budget", "firing", "failed after 3 attempts", "bad", "/spend?customer=globex"],
      ["Budget", "firing", "pending", "warn", "/spend?customer=globex"],
      ["gone (removed)", "firing", "pending, retrying (2 attempts)", "warn", null],
    ]);
  });
});

describe("deliveryNote", () => {
  it("says where alerts go, and before any was sent that only sending needs the engine", () => {
    expect(deliveryNote({ everSent: false, channels: 0, defaultChannel: null })).toBe(
      "No channel is enabled: an admin can add a Slack or webhook channel in Settings → Alerts. Rules are evaluated when you open this page; sending needs the Inngest engine, and no notification has been sent yet.",
    );
    expect(deliveryNote({ everSent: true, channels: 0, defaultChannel: "slack-env" })).toBe(
      "Notifications go to the Slack webhook in SLACK_WEBHOOK_URL (no channel configured in Settings).",
    );
    expect(deliveryNote({ everSent: true, channels: 2, defaultChannel: null })).toBe("Notifications go to 2 enabled channels.");
    expect(deliveryNote({ everSent: true, channels: null, defaultChannel: null })).toBe("Notifications go to the channels an admin set in Settings → Alerts.");
  });
});
