import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, fakeSlack } from "./fake-servers.ts";
import { startTally, type Tally } from "./harness.ts";

// Slack reads `&`, `<` and `>` in mrkdwn as entities, links and mentions. A payload's text must reach the
// webhook escaped: no @channel ping, no disguised link, and Slack shows the original characters.
describe("Slack messages escape every value from the payload", () => {
  let slack: FakeServer;
  let tally: Tally;
  beforeAll(async () => {
    slack = await fakeSlack();
    tally = await startTally({ SLACK_WEBHOOK_URL: `${slack.url}/hook` });
  });
  afterAll(async () => {
    await tally.close();
    await slack.close();
  });

  // Escaped by hand, independently of the code under test; `&` first so the others' `&` stay single.
  const slackEscape = (s: string) => s.split("&").join("&amp;").split("<").join("&lt;").split(">").join("&gt;");
  // What Slack shows: the reverse, `&amp;` last.
  const slackUnescape = (s: string) => s.split("&lt;").join("<").split("&gt;").join(">").split("&amp;").join("&");

  it("summary, model, ticket, customer and the parent run reach the webhook escaped in text and in every block", async () => {
    const payload = {
      channel: "#ai",
      summary: "<!channel> Done & dusted: <https://evil.example|Reset your password> 1 < 2 > 0 &amp;",
      model: "gpt-4o<!here>",
      ticketId: "T-<@U123>",
      customerId: "acme & <#C42>",
    };
    // The parent's function slug and run id come from the event (`data._inngest`) as well: any non-blank text.
    const parent = { fnSlug: "agent-<!everyone>", runId: "slack-parent-<@U999>&1" };
    const out = await tally.executor.runDeferred({ fnSlug: "tally-notify-agent-completion", input: payload }, parent, { runId: "slack-1" });
    expect(out.status, JSON.stringify(out.error)).toBe("completed");
    expect(slack.requests).toHaveLength(1);
    const body = slack.requests[0]!.body as { text: string; blocks: { text?: { text: string }; elements?: { text: string }[] }[] };

    expect(body.text).toBe(slackEscape(payload.summary));
    expect(body.blocks[0]?.text?.text).toBe(slackEscape(payload.summary));
    const facts = body.blocks[1]?.elements?.[0]?.text ?? "";
    expect(facts).toBe(
      [
        `*Model:* ${slackEscape(payload.model)}`,
        `*Ticket:* ${slackEscape(payload.ticketId)}`,
        `*Customer:* ${slackEscape(payload.customerId)}`,
        `*Run:* ${slackEscape(parent.fnSlug)} / ${slackEscape(parent.runId)}`,
      ].join("  ·  "),
    );

    // No control sequence survives anywhere in what was sent, and Slack's unescape gives back the originals.
    const sent = JSON.stringify(body);
    for (const bad of ["<!channel>", "<!here>", "<@U123>", "<#C42>", "<https://evil.example", "<!everyone>", "<@U999>"]) expect(sent).not.toContain(bad);
    expect([...sent].filter((c) => c === "<" || c === ">")).toEqual([]);
    expect(slackUnescape(body.text)).toBe(payload.summary);
    expect(slackUnescape(facts)).toContain(payload.customerId);
    expect(slackUnescape(facts)).toContain(payload.model);
    expect(slackUnescape(facts)).toContain(`${parent.fnSlug} / ${parent.runId}`);
  });
});
