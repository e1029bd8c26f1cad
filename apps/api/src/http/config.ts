import type { Env } from "../env.ts";
import { EVERY_INTERFACE, hostName, LOOPBACK_HOSTS } from "./hosts.ts";

/** What the HTTP edge needs from configuration. */
export interface HttpConfig {
  /** Host names (any port) this server answers; any other Host header gets a 421. */
  allowedHosts: ReadonlySet<string>;
  /** Dev mode: answers to unexpected errors may carry their message and stack. */
  exposeErrors: boolean;
  /**
   * Outside dev mode: a POST to `/api/inngest`, or a PUT with a body, must carry a well-formed, current
   * `X-Inngest-Signature` before its body is read (the SDK checks the signature itself only after).
   */
  requireInngestSignature: boolean;
  /** INNGEST_SIGNING_KEY and its fallback: a malformed call's HMAC is checked before saying what is wrong with it. */
  inngestSigningKeys: readonly string[];
  /** Bytes of `/api/inngest` request bodies held at once across requests; beyond, a 503 with Retry-After. */
  inngestBodyBytesInFlight: number;
  /** Bytes of `/api/trpc` request bodies held at once (read before the caller is known); beyond, a 503 with Retry-After. */
  trpcBodyBytesInFlight: number;
  /**
   * A request must have arrived whole (headers and body) within this many ms, else a 408 and the connection
   * closes: a slow upload cannot hold its share of the body budget for Node's default 5 minutes.
   */
  requestDeadlineMs: number;
  /** Said once at start-up: HOST listens on every interface, yet only local names are allowed. */
  warning: string | null;
}

/** A 16 MiB body arrives within it at 1 MB/s; executor calls of a few KB take milliseconds. */
export const REQUEST_DEADLINE_MS = 30_000;

/** Four bodies at the 16 MiB limit, or thousands of ordinary executor calls (a few KB each), at once. */
export const INNGEST_BODY_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

/**
 * 256 bodies at tRPC's 1 MiB limit, or many thousands of ordinary calls (a few KB each), at once. A bound on
 * memory, set high: each held byte had to be sent, and the 30 s request deadline ends a stalled upload, so
 * shutting others out takes ~256 MiB sent every 30 s, where a low bound would make that cheap.
 */
export const TRPC_BODY_BYTES_IN_FLIGHT = 256 * 1024 * 1024;

export function httpConfig(
  env: Pick<Env, "HOST" | "INNGEST_SERVE_ORIGIN" | "TALLY_ALLOWED_HOSTS" | "TALLY_PUBLIC_URL" | "INNGEST_SIGNING_KEY" | "INNGEST_SIGNING_KEY_FALLBACK" | "isDev">,
): HttpConfig {
  const bound = hostName(env.HOST);
  const origins = [env.INNGEST_SERVE_ORIGIN, env.TALLY_PUBLIC_URL].flatMap((u) => (u ? [hostName(new URL(u).hostname)] : []));
  const everywhere = bound !== null && EVERY_INTERFACE.has(bound);
  const allowed = new Set([...LOOPBACK_HOSTS, ...env.TALLY_ALLOWED_HOSTS]);
  if (bound && !everywhere) allowed.add(bound);
  for (const o of origins) if (o) allowed.add(o);
  const warning =
    everywhere && env.TALLY_ALLOWED_HOSTS.length === 0 && !env.TALLY_PUBLIC_URL
      ? `HOST=${env.HOST} listens on every interface, but only requests for ${[...allowed].join(", ")} are answered ` +
        "(others get 421, against DNS rebinding): set TALLY_ALLOWED_HOSTS to the names clients use to reach this server."
      : null;
  return {
    allowedHosts: allowed,
    exposeErrors: env.isDev,
    requireInngestSignature: !env.isDev,
    inngestSigningKeys: [env.INNGEST_SIGNING_KEY, env.INNGEST_SIGNING_KEY_FALLBACK].filter((k): k is string => !!k),
    inngestBodyBytesInFlight: INNGEST_BODY_BYTES_IN_FLIGHT,
    trpcBodyBytesInFlight: TRPC_BODY_BYTES_IN_FLIGHT,
    requestDeadlineMs: REQUEST_DEADLINE_MS,
    warning,
  };
}
