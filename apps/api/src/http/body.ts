import type { IncomingMessage } from "node:http";
import { HttpError } from "./respond.ts";

/**
 * The request body as text, at most `limit` bytes (413 beyond, checked against Content-Length before
 * reading and while reading), refused with a 400 unless it is valid UTF-8.
 */
export function readText(req: IncomingMessage, limit: number, headers: Record<string, string> = {}): Promise<string> {
  const tooLarge = () => new HttpError(413, `request body over ${limit} bytes`, headers);
  if (Number(req.headers["content-length"] ?? 0) > limit) {
    req.resume(); // drain, so the refusal reaches a client still sending
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off("data", onData);
      req.resume();
      reject(tooLarge());
    };
    req.on("data", onData);
    req.on("error", reject);
    req.on("end", () => {
      if (size > limit) return;
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
