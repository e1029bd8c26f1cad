import type { NormalizedUsage } from "@tally/shared/pricing";
import { type ChatConfig, chatComplete } from "../judge/chat.ts";

export const SIMULATED_MODEL = "tally-simulated-offline";

export interface AgentAnswer {
  text: string;
  model: string;
  provider?: string | undefined;
  usage: NormalizedUsage;
}

/**
 * Answers a support ticket with the configured OpenAI-compatible model, or, when none is configured,
 * with an offline simulated model whose name says so. The simulated usage scales with the ticket.
 */
export async function answerTicket(config: ChatConfig | null, ticket: { subject: string; body: string }): Promise<AgentAnswer> {
  const messages = [
    { role: "system" as const, content: "You are a concise, friendly customer-support agent." },
    { role: "user" as const, content: `${ticket.subject}\n\n${ticket.body}` },
  ];
  if (config) {
    const reply = await chatComplete(config, messages);
    return { text: reply.content, model: config.model, provider: config.provider, usage: reply.usage };
  }
  const text = `Thanks for reaching out about "${ticket.subject}". We've looked into it and here is what to do next: ` +
    "check your account settings, retry the action, and reply to this thread if it persists.";
  const promptTokens = Math.ceil(messages.reduce((n, m) => n + m.content.length, 0) / 4) + 8;
  return {
    text,
    model: SIMULATED_MODEL,
    usage: {
      input_tokens: promptTokens,
      output_tokens: Math.ceil(text.length / 4),
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
    },
  };
}
