import { createHmac } from "node:crypto";
import { request } from "node:http";

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One HTTP request with exactly the given headers and body bytes (fetch would add a content type, forbid a
 * Host or a Sec-Fetch-Site header and re-encode text): for broken bodies and forged browser headers.
 */
export function rawRequest(base: string, method: string, path: string, body: string | Buffer = "", headers: Record<string, string> = {}): Promise<RawAnswer> {
  const url = new URL(path, base);
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers: { "content-length": String(bytes.length), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(bytes);
  });
}

/** `/healthz` answers 200: the process is alive and serving. */
export async function healthy(base: string): Promise<boolean> {
  const res = await rawRequest(base, "GET", "/healthz").catch(() => null);
  return res?.status === 200;
}

/** A port nothing listens on (for INNGEST_BASE_URL: the SDK must not reach a real Inngest in a test). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** A production-mode configuration: a signing key and an auth secret (both required there), no INNGEST_DEV. */
export const PRODUCTION = { INNGEST_DEV: "0", INNGEST_SIGNING_KEY: `signkey-prod-${"ab".repeat(32)}`, TALLY_AUTH_SECRET: "cd".repeat(24) } as const;

/**
 * `X-Inngest-Signature` for `body` as Inngest signs with PRODUCTION's key: HMAC-SHA256 of the canonical JSON body
 * (RFC 8785: sorted keys; for ASCII bodies with integer numbers, JSON.stringify of sorted keys; a body that is not
 * JSON as it is) + timestamp, keyed by the key without its prefix.
 */
export function inngestSignature(body: string | Buffer): string {
  let data = body.toString();
  try {
    data = JSON.stringify(sortedKeys(JSON.parse(data.replace(/^\uFEFF/, ""))));
  } catch {}
  const ts = Math.round(Date.now() / 1000).toString();
  const key = PRODUCTION.INNGEST_SIGNING_KEY.replace(/^signkey-\w+-/, "");
  return `t=${ts}&s=${createHmac("sha256", key).update(data + ts).digest("hex")}`;
}

export function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedKeys((v as Record<string, unknown>)[k])]));
}
