import type { IncomingMessage, ServerResponse } from "node:http";
import type { App } from "../app.ts";
import { parseJson, readText } from "./body.ts";
import { checkFunctionCall, functionIndex } from "./executor-request.ts";
import { HttpError, NO_RETRY } from "./respond.ts";

/**
 * Largest body `/api/inngest` reads: an executor call carries the run's event twice (`event`, `events`)
 * and its step results. Inngest caps an event at 3 MiB and Tally's payloads and steps are far smaller; a
 * larger run state comes with `ctx.use_api`, fetched by the SDK instead.
 */
export const INNGEST_MAX_BODY_BYTES = 16 * 1024 * 1024;

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "expect", "upgrade"]);

/**
 * `/api/inngest`: reads the body (bounded), refuses a body that is not JSON and a malformed function call
 * (400, non-retriable), then hands the request to the SDK's web-standard `serve()` handler, which checks
 * the signature and runs the function.
 */
export function createInngestRoute(app: Pick<App, "handler" | "functions" | "inngest">) {
  const fns = functionIndex(app);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? "GET";
    const url = requestUrl(req);
    const text = await readText(req, INNGEST_MAX_BODY_BYTES, NO_RETRY);
    if (method === "POST" || method === "PUT") {
      const body = text === "" ? undefined : parseJson(text, NO_RETRY);
      if (method === "POST" && !url.searchParams.has("probe")) checkFunctionCall(url, body, fns);
      if (method === "PUT" && req.headers["x-inngest-sync-kind"] === "in_band" && (typeof body !== "object" || body === null)) {
        // The SDK answers a retriable 500 to an in-band sync without a body.
        throw new HttpError(400, 'an in-band sync (x-inngest-sync-kind: in_band) takes a JSON object body: {"url": ...}');
      }
    }
    const answer = await app.handler(new Request(url, { method, headers: forwarded(req), body: text === "" || method === "GET" || method === "HEAD" ? undefined : text }));
    const headers: Record<string, string> = {};
    answer.headers.forEach((v, k) => void (headers[k] = v));
    res.writeHead(answer.status, headers).end(Buffer.from(await answer.arrayBuffer()));
  };
}

/** The URL the SDK sees (and registers): the request's, with the scheme a TLS-terminating proxy reports. */
function requestUrl(req: IncomingMessage): URL {
  const proto = String(req.headers["x-forwarded-proto"] ?? "").split(",")[0]!.trim();
  const scheme = proto === "https" || proto === "http" ? proto : "encrypted" in req.socket ? "https" : "http";
  return new URL(req.url ?? "/", `${scheme}://${req.headers.host}`);
}

/** Request headers for the SDK, empty values kept (the Dev Server signs with `X-Inngest-Signature: ""`). */
function forwarded(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(key)) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
  }
  return headers;
}
