import type { IncomingMessage } from "node:http";
import { HttpError } from "./respond.ts";

/**
 * Bytes of request bodies held at once, across requests, counted as they arrive: a chunk that would take the
 * total past the capacity refuses its request (503 with Retry-After; the rest of its body is discarded), so
 * concurrent large bodies cannot exhaust memory, while a slow client holds only what it has sent (a declared
 * 16 MiB sent a byte a second reserves nothing it has not sent). A request gives its bytes back once answered.
 */
export class BodyBudget {
  private held = 0;
  constructor(readonly capacity: number) {}

  /** A reservation for the body of `req` (413 at once when it declares more than `limit`); `take` counts each chunk. */
  reserve(req: IncomingMessage, limit: number, headers: Record<string, string> = {}): BodyReservation {
    if (!(Number(req.headers["content-length"] ?? 0) <= limit)) throw refuseUnread(req, new HttpError(413, `request body over ${limit} bytes`, headers));
    let mine = 0;
    return {
      take: (bytes) => {
        if (this.held + bytes > this.capacity) {
          // Retriable (no `headers`: they may say not to retry, as the 413's and 400's do).
          throw new HttpError(503, `busy: ${this.held} bytes of request bodies are being read; retry shortly`, { "retry-after": "1" });
        }
        this.held += bytes;
        mine += bytes;
      },
      release: () => {
        this.held -= mine;
        mine = 0;
      },
    };
  }
}

export interface BodyReservation {
  /** Counts `bytes` more of the body against the budget; throws the 503 when they do not fit. */
  take(bytes: number): void;
  /** Gives every byte taken back (idempotent). */
  release(): void;
}

/** Whether the request carries a body (chunked, or a non-zero Content-Length). */
export function hasBody(req: IncomingMessage): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

/** A request header as one string (repeated ones joined), or undefined. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** `error`, with the body left unread: discarded as it arrives (never buffered), so the answer reaches a client still sending. */
export function refuseUnread(req: IncomingMessage, error: HttpError): HttpError {
  req.resume();
  return error;
}

/**
 * The request body as text, at most `limit` bytes (413 beyond, checked against Content-Length before
 * reading and while reading), refused with a 400 unless it is valid UTF-8; each chunk counted in `budget`.
 */
export function readText(req: IncomingMessage, limit: number, headers: Record<string, string> = {}, budget?: BodyReservation): Promise<string> {
  const tooLarge = () => new HttpError(413, `request body over ${limit} bytes`, headers);
  if (Number(req.headers["content-length"] ?? 0) > limit) return Promise.reject(refuseUnread(req, tooLarge()));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Refused mid-body (too large, or past the budget): the rest is discarded and the end resolves nothing.
    let stopped = false;
    const stop = (error: HttpError) => {
      stopped = true;
      req.off("data", onData);
      req.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return stop(tooLarge());
      try {
        budget?.take(chunk.length);
      } catch (e) {
        return stop(e as HttpError);
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    // The client went away mid-body (no-ops after the end): nobody is left to answer, so nothing to log.
    const incomplete = () => reject(new HttpError(400, "request body incomplete: the connection closed", headers));
    req.on("error", incomplete);
    req.on("close", incomplete);
    req.on("end", () => {
      if (stopped) return;
      try {
        resolve(new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks)));
      } catch {
        reject(new HttpError(400, "request body is not valid UTF-8", headers));
      }
    });
  });
}

/** Deeper JSON than this is refused before parsing: no client of Tally's needs it, and recursion would. */
export const MAX_JSON_DEPTH = 64;

/** Parses a JSON body, naming the problem in a 400: not JSON, or nested deeper than MAX_JSON_DEPTH. */
export function parseJson(text: string, headers: Record<string, string> = {}): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new HttpError(400, `request body is JSON nested deeper than ${MAX_JSON_DEPTH} levels`, headers);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `request body is not JSON: ${(e as Error).message}`, headers);
  }
}

/** The deepest nesting of arrays and objects in JSON text (strings skipped); one pass, no recursion. */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}
