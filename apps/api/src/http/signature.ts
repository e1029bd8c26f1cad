import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { hasBody, refuseUnread } from "./body.ts";
import { HttpError } from "./respond.ts";

/** How far a signature's time may be from the server's clock: the SDK's own window (`hasExpired`). */
export const SIGNATURE_MAX_AGE_MS = 5 * 60 * 1000;

/**
 * Outside dev mode, refuses a call to `/api/inngest` that cannot be Inngest's before its body is read: a
 * POST, or a PUT with a body (an in-band sync), must carry `X-Inngest-Signature: t=<unix seconds>&s=<hex
 * HMAC-SHA256>` dated within 5 minutes of now. The SDK verifies the HMAC itself, but only after the body
 * has been read, decoded and parsed; this keeps unsigned traffic from costing more than its headers.
 * A body-less PUT (out-of-band sync, `curl -X PUT`) stays open, as the SDK allows it unsigned.
 * The answer is the SDK's to a missing or bad signature: 401, which the executor may retry (each retry
 * is signed afresh).
 */
export function checkSignatureHeader(req: IncomingMessage, now = Date.now()): void {
  const method = req.method ?? "GET";
  if (!(method === "POST" || (method === "PUT" && hasBody(req)))) return;
  const problem = signatureProblem(req.headers["x-inngest-signature"], now);
  if (problem) throw refuseUnread(req, new HttpError(401, `Unauthorized: ${problem}`));
}

function signatureProblem(header: string | string[] | undefined, now: number): string | null {
  if (header === undefined || header === "") return "no X-Inngest-Signature header (outside dev mode, Inngest signs every call)";
  const params = new URLSearchParams(Array.isArray(header) ? header.join("&") : header);
  const t = params.get("t") ?? "";
  const s = params.get("s") ?? "";
  if (Array.isArray(header) || !/^\d{1,12}$/.test(t) || !/^[0-9a-f]{64}$/.test(s)) {
    return "X-Inngest-Signature is not t=<unix seconds>&s=<64 hex digits>";
  }
  if (Math.abs(now - Number(t) * 1000) > SIGNATURE_MAX_AGE_MS) {
    return "X-Inngest-Signature is dated more than 5 minutes from the server's clock";
  }
  return null;
}

/**
 * Whether Inngest signed this call with one of `keys`, as the SDK checks it: HMAC-SHA256, keyed by the signing key
 * without its `signkey-<env>-` prefix, of the body's canonical JSON (RFC 8785, as the `canonicalize` package the SDK
 * uses writes it; "" without a body) followed by the header's timestamp. Used only to decide whether a malformed
 * call may be told what is wrong with it; a well-formed call is left to the SDK's own check.
 */
export function signedByInngest(body: unknown, header: string | undefined, keys: readonly string[]): boolean {
  const params = new URLSearchParams(header ?? "");
  const [t, s] = [params.get("t") ?? "", params.get("s") ?? ""];
  if (!/^[0-9a-f]{64}$/.test(s)) return false;
  const data = body === undefined ? "" : canonicalJson(body);
  return keys.some((key) => {
    const mac = createHmac("sha256", key.replace(/^signkey-\w+-/, "")).update(data + t).digest();
    return timingSafeEqual(mac, Buffer.from(s, "hex"));
  });
}

/** Canonical JSON of a parsed JSON value: object keys sorted (by UTF-16 code units), no spaces, values as JSON.stringify writes them. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}
