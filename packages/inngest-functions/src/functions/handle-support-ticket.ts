import { z } from "zod";
import { answerTicket } from "../agent/answer.ts";
import type { TallyInngest } from "../client.ts";
import type { Deps } from "../deps.ts";
import type { notifyAgentCompletion } from "./notify-agent-completion.ts";
import type { scoreAgentOutput } from "./score-agent-output.ts";
import type { trackAiCosts } from "./track-ai-costs.ts";

export const ticketCreatedSchema = z.object({
  ticketId: z.string().min(1),
  customerId: z.string().min(1),
  subject: z.string().min(1),
  body: z.string().optional(),
  /** Slack channel for the notification. */
  channel: z.string().optional(),
});

interface Deferred {
  score: ReturnType<typeof scoreAgentOutput>;
  costs: ReturnType<typeof trackAiCosts>;
  notify: ReturnType<typeof notifyAgentCompletion>;
}

/**
 * The example agent: answers a support ticket, then hands scoring, cost tracking and notification to
 * deferred functions that run after this run finishes, each with its own retries.
 */
export function handleSupportTicket(inngest: TallyInngest, deps: Deps, deferred: Deferred) {
  return inngest.createFunction(
    {
      id: "handle-support-ticket",
      name: "Handle support ticket",
      triggers: [{ event: "support/ticket.created", schema: ticketCreatedSchema }],
    },
    async ({ event, step, defer }) => {
      const ticket = { ...event.data, body: event.data.body ?? "" };
      const answer = await step.run("answer-ticket", () => answerTicket(deps.agent, ticket));
      const run = { ticketId: ticket.ticketId, customerId: ticket.customerId };

      defer("score", {
        function: deferred.score,
        data: { response: answer.text, model: answer.model, input: `${ticket.subject}\n\n${ticket.body}`, ...run },
      });
      defer("track-costs", {
        function: deferred.costs,
        data: {
          model: answer.model,
          ...(answer.provider ? { provider: answer.provider } : {}),
          promptTokens: answer.usage.input_tokens,
          completionTokens: answer.usage.output_tokens,
          cachedTokens: answer.usage.cache_read_tokens,
          reasoningTokens: answer.usage.reasoning_tokens,
          ...run,
        },
      });
      if (deps.slack.webhookUrl) {
        defer("notify", {
          function: deferred.notify,
          data: { channel: ticket.channel ?? "#support-ai", summary: `Answered ${ticket.ticketId}: ${ticket.subject}`, model: answer.model, ...run },
        });
      }
      return { ticketId: ticket.ticketId, model: answer.model, answer: answer.text };
    },
  );
}
