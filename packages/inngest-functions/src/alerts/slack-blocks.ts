import { escapeMrkdwn } from "../functions/slack.ts";
import type { AlertMessage } from "./deliver.ts";

/** Slack's limits: header text 150 characters, section text 3,000, a button URL 3,000. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;
const URL_MAX = 3000;

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * An alert as a Slack incoming-webhook message in Block Kit: a header (firing or resolved, the rule's name), the
 * message, the rule, subject and period, and a button to the dashboard view that shows it with its filters.
 * Every value from a rule or the data is escaped for mrkdwn (`&`, `<`, `>`), so a customer named
 * `<!channel>` cannot ping a channel or forge a link; the header is plain text, which Slack never parses.
 */
export function slackAlertMessage(m: AlertMessage) {
  const title = `${m.event === "firing" ? "🔔 Alert" : "✅ Resolved"}: ${m.ruleName}`;
  const facts = [`*Rule:* ${escapeMrkdwn(m.ruleName)}`, m.subject && `*Subject:* ${escapeMrkdwn(m.subject)}`, `*Period:* ${escapeMrkdwn(m.period)}`];
  const blocks: object[] = [
    { type: "header", text: { type: "plain_text", text: clip(title, HEADER_MAX), emoji: true } },
    { type: "section", text: { type: "mrkdwn", text: clip(escapeMrkdwn(m.message), SECTION_MAX) } },
    { type: "context", elements: [{ type: "mrkdwn", text: facts.filter(Boolean).join("  ·  ") }] },
  ];
  if (m.url.length <= URL_MAX) {
    blocks.push({
      type: "actions",
      elements: [{ type: "button", text: { type: "plain_text", text: "Open in Tally" }, url: m.url, action_id: "open-in-tally" }],
    });
  }
  return { text: clip(escapeMrkdwn(`${m.event === "firing" ? "Alert" : "Resolved"}: ${m.ruleName}: ${m.message}`), SECTION_MAX), blocks };
}
