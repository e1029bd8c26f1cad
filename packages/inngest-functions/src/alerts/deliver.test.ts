import { describe, expect, it } from "vitest";
import { type AlertMessage, dashboardUrl, webhookBody } from "./deliver.ts";
import { slackAlertMessage } from "./slack-blocks.ts";

const message: AlertMessage = {
  id: "builtin-budget:acme:2026-11@80:firing:ch_1",
  event: "firing",
  ruleId: "builtin-budget",
  ruleName: "Monthly budget (80% and 100%)",
  kind: "budget",
  subject: "acme",
  period: "2026-11@80",
  message: "Acme is at 85% of its monthly budget",
  url: "https://tally.example.com/spend?customer=acme",
  at: Date.UTC(2026, 10, 20, 12, 5),
};

describe("alert delivery pieces", () => {
  it("puts a dashboard path on the public origin, keeping a path prefix, and leaves an absolute link", () => {
    expect(dashboardUrl("https://tally.example.com", "/spend?customer=acme&range=this-month")).toBe("https://tally.example.com/spend?customer=acme&range=this-month");
    expect(dashboardUrl("https://example.com/tally/", "/quality?model=gpt-4o")).toBe("https://example.com/tally/quality?model=gpt-4o");
    expect(dashboardUrl("https://example.com/tally", "/quality?model=gpt-4o")).toBe("https://example.com/tally/quality?model=gpt-4o");
    expect(dashboardUrl("https://tally.example.com", "https://other.example/x")).toBe("https://other.example/x");
  });

  it("a webhook body is { type, timestamp, data } with the event's time", () => {
    expect(JSON.parse(webhookBody(message))).toEqual({
      type: "alert.firing",
      timestamp: "2026-11-20T12:05:00.000Z",
      data: { id: message.id, event: "firing", ruleId: "builtin-budget", ruleName: message.ruleName, kind: "budget", subject: "acme", period: "2026-11@80", message: message.message, url: message.url },
    });
  });

  it("Slack: clips to Block Kit's limits and drops a button whose URL Slack would refuse", () => {
    const long = slackAlertMessage({ ...message, ruleName: "r".repeat(400), message: "m".repeat(5000), url: `https://x.example/${"a".repeat(3000)}` });
    const blocks = long.blocks as { type: string; text?: { text: string } }[];
    expect(blocks.map((b) => b.type)).toEqual(["header", "section", "context"]);
    expect(blocks[0]!.text!.text).toHaveLength(150);
    expect(blocks[1]!.text!.text).toHaveLength(3000);
    expect(long.text.length).toBeLessThanOrEqual(3000);
  });
});
