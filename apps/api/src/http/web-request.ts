import type { IncomingMessage, ServerResponse } from "node:http";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "expect", "upgrade"]);

/** The request's URL, with the scheme a TLS-terminating proxy reports. */
export function requestUrl(req: IncomingMessage): URL {
  const proto = String(req.headers["x-forwarded-proto"] ?? "").split(",")[0]!.trim();
  const scheme = proto === "https" || proto === "http" ? proto : "encrypted" in req.socket ? "https" : "http";
  return new URL(req.url ?? "/", `${scheme}://${req.headers.host}`);
}

/** Request headers for a web-standard handler, empty values kept (the Dev Server signs with `X-Inngest-Signature: ""`). */
export function forwardedHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined || HOP_BY_HOP.has(key)) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
  }
  return headers;
}

/** A web-standard request from a node one whose body was read already (`text`). */
export function webRequest(req: IncomingMessage, text: string, url: URL = requestUrl(req)): Request {
  const method = req.method ?? "GET";
  const body = text === "" || method === "GET" || method === "HEAD" ? undefined : text;
  return new Request(url, { method, headers: forwardedHeaders(req), body });
}

/** Writes a web-standard response, each `Set-Cookie` as its own header. */
export async function sendWebResponse(res: ServerResponse, answer: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  answer.headers.forEach((v, k) => {
    if (k !== "set-cookie") headers[k] = v;
  });
  const cookies = answer.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  res.writeHead(answer.status, headers).end(Buffer.from(await answer.arrayBuffer()));
}
