import type { IncomingMessage, ServerResponse } from "node:http";
import type { App } from "../app.ts";
import { BodyBudget, header, parseJson, readText } from "./body.ts";
import { checkFunctionCall, functionIndex } from "./executor-request.ts";
import { HttpError, NO_RETRY } from "./respond.ts";
import { checkSignatureHeader, signedByInngest } from "./signature.ts";
import { requestUrl, sendWebResponse, webRequest } from "./web-request.ts";

/**
 * Largest body `/api/inngest` reads: an executor call carries the run's event twice (`event`, `events`)
 * and its step results. Inngest caps an event at 3 MiB and Tally's payloads and steps are far smaller; a
 * larger run state comes with `ctx.use_api`, fetched by the SDK instead.
 */
export const INNGEST_MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * `/api/inngest`: outside dev mode, refuses a call without a well-formed, current signature (401) before
 * reading its body; reads the body (bounded per request, and across requests by the body budget, counted
 * as bytes arrive: 503 beyond), refuses a body that is not JSON and a malformed function call (400, non-retriable;
 * outside dev mode only when the call's HMAC matches, else the SDK answers it), then hands
 * the request to the SDK's web-standard `serve()` handler, which verifies the signature and runs the function.
 */
export function createInngestRoute(app: Pick<App, "handler" | "functions" | "inngest" | "config">) {
  const fns = functionIndex(app);
  const { requireInngestSignature, inngestSigningKeys, inngestBodyBytesInFlight } = app.config.http;
  const budget = new BodyBudget(inngestBodyBytesInFlight);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? "GET";
    const url = requestUrl(req);
    // A sync registers this URL, query included, as the base of every function's URL: keep only what a sync reads.
    if (method === "PUT") for (const key of [...url.searchParams.keys()]) if (key !== "deployId") url.searchParams.delete(key);
    if (method !== "POST" && method !== "PUT") {
      req.resume(); // the SDK reads no body on GET: discard it unread
      return answer(app, req, res, url, "");
    }
    if (requireInngestSignature) checkSignatureHeader(req);
    const reservation = budget.reserve(req, INNGEST_MAX_BODY_BYTES, NO_RETRY);
    try {
      const text = await readText(req, INNGEST_MAX_BODY_BYTES, NO_RETRY, reservation);
      const body = text === "" ? undefined : parseJson(text, NO_RETRY);
      if (method === "POST" && !url.searchParams.has("probe")) {
        try {
          checkFunctionCall(url, body, fns, header(req, "x-inngest-req-version") ?? null);
        } catch (e) {
          // Outside dev mode, only a call Inngest signed is told what is wrong with it (which functions exist, what a
          // payload needs); any other gets the SDK's own answer to a signature that does not match (401), as a
          // well-formed call does.
          if (requireInngestSignature && !signedByInngest(body, header(req, "x-inngest-signature"), inngestSigningKeys)) return await answer(app, req, res, url, text);
          throw e;
        }
      }
      if (method === "PUT" && req.headers["x-inngest-sync-kind"] === "in_band" && (typeof body !== "object" || body === null)) {
        // The SDK answers a retriable 500 to an in-band sync without a body.
        throw new HttpError(400, 'an in-band sync (x-inngest-sync-kind: in_band) takes a JSON object body: {"url": ...}');
      }
      await answer(app, req, res, url, text);
    } finally {
      reservation.release();
    }
  };
}

/** The SDK's answer to the request (its body as read), written to `res`. */
async function answer(app: Pick<App, "handler">, req: IncomingMessage, res: ServerResponse, url: URL, text: string): Promise<void> {
  await sendWebResponse(res, await app.handler(webRequest(req, text, url)));
}
