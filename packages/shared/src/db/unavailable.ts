/**
 * Whether an error says the database cannot be reached or is going away (a PostgreSQL restart or failover, a
 * terminated session, a refused or timed-out connection, SQLite's write lock held past its busy timeout),
 * rather than that a request was wrong: such a request answers 503 with Retry-After (the dashboard shows its
 * offline banner and retries), not 500.
 */
export function isDatabaseUnavailable(e: unknown, depth = 0): boolean {
  if (depth > 5 || typeof e !== "object" || e === null) return false;
  const { code, message, cause, errors } = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string" && (NETWORK_CODES.has(code) || /^(08|57P0)/.test(code) || code === "53300" || code === "SQLITE_BUSY")) return true;
  if (typeof message === "string" && LOST_CONNECTION.test(message)) return true;
  if (Array.isArray(errors) && errors.some((x) => isDatabaseUnavailable(x, depth + 1))) return true;
  return isDatabaseUnavailable(cause, depth + 1);
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE"]);
/** What pg and pg-pool say when a connection ends or cannot be had (these carry no code). */
const LOST_CONNECTION = /^(Connection terminated|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect|Connection ended unexpectedly)|is not currently accepting connections/;

/** The answer a request gets while the database is unavailable. */
export const DATABASE_UNAVAILABLE = { message: "the database is unavailable: try again in a moment", retryAfterSeconds: 5 } as const;
