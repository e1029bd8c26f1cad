import { createHmac } from "node:crypto";

/**
 * Signing per the Standard Webhooks spec (https://www.standardwebhooks.com): the receiver checks
 * `webhook-signature` = `v1,` + base64(HMAC-SHA256(key, "${webhook-id}.${webhook-timestamp}.${body}")), where the
 * key is the secret's base64 after `whsec_`, and refuses a `webhook-timestamp` (seconds) too far from its clock.
 */
export const SECRET_PREFIX = "whsec_";

/** The HMAC key of a `whsec_…` secret; throws naming the problem (a channel secret is made by the API, never typed). */
export function signingKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error(`webhook secret must start with ${SECRET_PREFIX}`);
  const base64 = secret.slice(SECRET_PREFIX.length);
  const key = Buffer.from(base64, "base64");
  if (key.length < 16 || key.toString("base64").replace(/=+$/, "") !== base64.replace(/=+$/, "")) {
    throw new Error("webhook secret must be whsec_ followed by the base64 of at least 16 bytes");
  }
  return key;
}

/** `v1,<base64 signature>` of one message. */
export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", signingKey(secret)).update(`${id}.${timestampSeconds}.${body}`).digest("base64");
  return `v1,${mac}`;
}

/**
 * A `webhook-id` header value: the id itself when it is printable ASCII without spaces (every header can carry
 * it), else with each other character percent-encoded, so a customer id in any script stays one stable id.
 */
export function headerSafeId(id: string): string {
  return id.replace(/[^\x21-\x7e]|%/gu, (c) => encodeURIComponent(c));
}

/** The three headers of a signed delivery. */
export function signedHeaders(secret: string, id: string, timestampSeconds: number, body: string): Record<string, string> {
  const webhookId = headerSafeId(id);
  return {
    "webhook-id": webhookId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": sign(secret, webhookId, timestampSeconds, body),
  };
}
