import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Json } from "./json.ts";

/**
 * Real HTTP servers on 127.0.0.1 standing in for the paid third-party APIs (an OpenAI-compatible chat
 * endpoint, a Slack incoming webhook), so the production clients run unchanged.
 */
export interface Recorded {
  path: string;
  headers: IncomingMessage["headers"];
  body: Json;
  /** The body as sent (a signature is over these bytes). */
  raw: string;
}

export interface FakeServer {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

type Answer = { status: number; body: unknown; headers?: Record<string, string> };

async function listen(handle: (req: Recorded) => Answer | Promise<Answer>): Promise<FakeServer> {
  const requests: Recorded[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const rec = { path: req.url ?? "/", headers: req.headers, body: raw ? JSON.parse(raw) : null, raw };
    requests.push(rec);
    const { status, body, headers } = await handle(rec);
    res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface ChatReplySpec {
  content: string;
  promptTokens?: number;
  completionTokens?: number;
  cachedTokens?: number;
}

/**
 * An OpenAI-compatible `/v1/chat/completions`. `reply` decides each answer from the request; judge
 * requests are the ones asking for `response_format: json_object`.
 */
export function fakeChatServer(reply: (body: Json, index: number) => ChatReplySpec | Answer, before?: (index: number) => Promise<void>) {
  let index = 0;
  return listen(async (req) => {
    if (req.path !== "/v1/chat/completions") return { status: 404, body: { error: "not found" } };
    const i = index++;
    await before?.(i);
    const spec = reply(req.body, i);
    if ("status" in spec) return spec;
    return {
      status: 200,
      body: {
        id: `chatcmpl-${index}`,
        object: "chat.completion",
        model: req.body.model,
        choices: [{ index: 0, message: { role: "assistant", content: spec.content }, finish_reason: "stop" }],
        usage: {
          prompt_tokens: spec.promptTokens ?? 100,
          completion_tokens: spec.completionTokens ?? 20,
          total_tokens: (spec.promptTokens ?? 100) + (spec.completionTokens ?? 20),
          prompt_tokens_details: { cached_tokens: spec.cachedTokens ?? 0 },
        },
      },
    };
  });
}

/**
 * A Slack incoming webhook answering `status`, or `statuses` in turn and then 200; `headers` on every non-200
 * answer (a 429's Retry-After); `before` runs before each answer (a slow Slack).
 */
export function fakeSlack(status: number | number[] = 200, headers: Record<string, string> = {}, before?: (index: number) => Promise<void>) {
  let index = 0;
  return listen(async () => {
    const i = index++;
    await before?.(i);
    const s = typeof status === "number" ? status : (status[i] ?? 200);
    return s === 200 ? { status: s, body: "ok" } : { status: s, body: s === 429 ? "rate_limited" : "invalid_payload", headers };
  });
}

/** A webhook receiver answering `statuses` in turn (a failing endpoint that recovers), then 200; `before` runs before each answer. */
export function fakeWebhook(statuses: number[] = [], before?: (index: number) => Promise<void>) {
  let index = 0;
  return listen(async () => {
    await before?.(index);
    const status = statuses[index++] ?? 200;
    return { status, body: status === 200 ? "ok" : "unavailable" };
  });
}

export function verdict(scores: Record<string, number>): string {
  return JSON.stringify({
    scores: Object.entries(scores).map(([criterion, score]) => ({ criterion, score, rationale: `${criterion} is ${score}/5` })),
  });
}

/** The Inngest API a sync registers with (`PUT /api/inngest` makes the SDK POST `/fn/register`): answers 200 `{}`. */
export function fakeInngestApi() {
  return listen(() => ({ status: 200, body: {} }));
}
