import { NonRetriableError } from "inngest";
import { retriableError } from "../retry-after.ts";

interface SlackSummary {
  /** The webhook's own channel when absent. */
  channel?: string | undefined;
  summary: string;
  model?: string | undefined;
  ticketId?: string | undefined;
  customerId?: string | undefined;
  parentFn: string;
  parentRunId: string;
  /** A link shown after the facts (e.g. the run in the dashboard). */
  link?: { url: string; text: string } | undefined;
}

/** How long a post may take before it is abandoned (and retried). */
export const SLACK_TIMEOUT_MS = 15_000;

/**
 * Escapes Slack's mrkdwn control characters (`&`, `<`, `>`), which Slack reads as entities, links and
 * mentions (`<!channel>`, `<https://evil.example|Reset your password>`). Slack shows the escaped text as
 * the original characters. Every value that came from a payload goes through here.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

/** Sends one incoming-webhook message. 4xx is a configuration problem; 429/5xx are retried by Inngest (after Slack's Retry-After when it sends one). */
export async function postToSlack(webhookUrl: string, s: SlackSummary): Promise<number> {
  const summary = escapeMrkdwn(s.summary);
  const facts = [
    s.model && `*Model:* ${escapeMrkdwn(s.model)}`,
    s.ticketId && `*Ticket:* ${escapeMrkdwn(s.ticketId)}`,
    s.customerId && `*Customer:* ${escapeMrkdwn(s.customerId)}`,
    `*Run:* ${escapeMrkdwn(s.parentFn)} / ${escapeMrkdwn(s.parentRunId)}`,
    // In `<url|text>` the URL must not end the link early: `|` is percent-encoded, `&<>` escaped.
    s.link && `<${escapeMrkdwn(s.link.url.replaceAll("|", "%7C"))}|${escapeMrkdwn(s.link.text)}>`,
  ].filter(Boolean);
  const res = await fetch(webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      ...(s.channel ? { channel: s.channel } : {}),
      text: summary,
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: summary } },
        { type: "context", elements: [{ type: "mrkdwn", text: facts.join("  ·  ") }] },
      ],
    }),
    signal: AbortSignal.timeout(SLACK_TIMEOUT_MS),
  });
  if (res.ok) return res.status;
  const body = (await res.text()).slice(0, 200);
  const message = `Slack webhook answered ${res.status}: ${body}`;
  if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new NonRetriableError(message);
  throw retriableError(message, res);
}
