import { NonRetriableError } from "inngest";

interface SlackSummary {
  channel: string;
  summary: string;
  model?: string | undefined;
  ticketId?: string | undefined;
  customerId?: string | undefined;
  parentFn: string;
  parentRunId: string;
}

/**
 * Escapes Slack's mrkdwn control characters (`&`, `<`, `>`), which Slack reads as entities, links and
 * mentions (`<!channel>`, `<https://evil.example|Reset your password>`). Slack shows the escaped text as
 * the original characters. Every value that came from a payload goes through here.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}

/** Sends one incoming-webhook message. 4xx is a configuration problem; 429/5xx are retried by Inngest. */
export async function postToSlack(webhookUrl: string, s: SlackSummary): Promise<number> {
  const summary = escapeMrkdwn(s.summary);
  const facts = [
    s.model && `*Model:* ${escapeMrkdwn(s.model)}`,
    s.ticketId && `*Ticket:* ${escapeMrkdwn(s.ticketId)}`,
    s.customerId && `*Customer:* ${escapeMrkdwn(s.customerId)}`,
    `*Run:* ${escapeMrkdwn(s.parentFn)} / ${escapeMrkdwn(s.parentRunId)}`,
  ].filter(Boolean);
  const res = await fetch(webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      channel: s.channel,
      text: summary,
      blocks: [
        { type: "section", text: { type: "mrkdwn", text: summary } },
        { type: "context", elements: [{ type: "mrkdwn", text: facts.join("  ·  ") }] },
      ],
    }),
    signal: AbortSignal.timeout(15_000),
  });
  if (res.ok) return res.status;
  const body = (await res.text()).slice(0, 200);
  const message = `Slack webhook answered ${res.status}: ${body}`;
  if (res.status >= 400 && res.status < 500 && res.status !== 429) throw new NonRetriableError(message);
  throw new Error(message);
}
