import { RetryAfterError } from "inngest";

/** The longest wait a `Retry-After` header may ask for: a header asking for more is capped here. */
const MAX_WAIT_MS = 3_600_000;

/**
 * A `Retry-After` header as a wait in ms (RFC 9110: delay-seconds or an HTTP-date), capped at an hour;
 * undefined when absent, unreadable or already past (Inngest's own backoff then applies).
 */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_WAIT_MS) : undefined;
}

/**
 * The error for a retriable answer: a RetryAfterError when the server said how long to wait (Inngest
 * schedules the step's next attempt then), else a plain Error (Inngest's backoff).
 */
export function retriableError(message: string, res: Response): Error {
  const wait = retryAfterMs(res.headers.get("retry-after"));
  return wait === undefined ? new Error(message) : new RetryAfterError(message, wait);
}
