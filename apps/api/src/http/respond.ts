import type { ServerResponse } from "node:http";
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from "@tally/shared/db";

/** A request refused on purpose: its status and a message for the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The Inngest SDK's convention: the executor does not retry an answer carrying this header. */
export const NO_RETRY = { "x-inngest-no-retry": "true" } as const;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/**
 * Answers a handler's failure: an HttpError with its status and message; anything else as a 500 whose
 * message and stack stay in the log unless `exposeErrors` (dev mode). A response already under way is cut.
 */
export function sendFailure(res: ServerResponse, e: unknown, exposeErrors: boolean): void {
  if (!(e instanceof HttpError)) console.error("request failed:", e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (e instanceof HttpError) {
    sendJson(res, e.status, { error: e.message }, e.headers);
    return;
  }
  if (isDatabaseUnavailable(e)) {
    sendJson(res, 503, { error: DATABASE_UNAVAILABLE.message }, { "retry-after": String(DATABASE_UNAVAILABLE.retryAfterSeconds) });
    return;
  }
  const detail = exposeErrors && e instanceof Error ? { message: e.message, stack: e.stack } : {};
  sendJson(res, 500, { error: "internal server error", ...detail });
}

/**
 * Zod-like issues as a 400 body's `fieldErrors`: the dot-joined path (after `prefix`) → its messages; an unknown key
 * is named itself (`options.serch`); any other issue about the whole value goes under `root` (`body`, `input`, `options`).
 */
export function issuesByField(
  issues: readonly { path: readonly PropertyKey[]; message: string; keys?: readonly string[] }[],
  root: string,
  prefix = "",
  into: Record<string, string[]> = {},
): Record<string, string[]> {
  // Own keys only: a field named `constructor` or `__proto__` must not meet Object.prototype's.
  const add = (field: string, message: string) => {
    if (!Object.hasOwn(into, field)) Object.defineProperty(into, field, { value: [], enumerable: true, writable: true, configurable: true });
    into[field]!.push(message);
  };
  for (const i of issues) {
    const path = i.path.map(String);
    if (i.keys?.length) for (const key of i.keys) add(prefix + [...path, key].join("."), i.message);
    else add(path.length > 0 ? prefix + path.join(".") : root, i.message);
  }
  return into;
}
