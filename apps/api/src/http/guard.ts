import type { IncomingMessage } from "node:http";
import { hasBody, header } from "./body.ts";
import { HttpError } from "./respond.ts";
import type { HttpConfig } from "./config.ts";
import { originHostName, requestHostName } from "./hosts.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const SAME_SITE_FETCHES = new Set(["same-origin", "none"]);

/**
 * Why the request must not reach a handler, or null. In order:
 * - Host: only the configured host names (DNS rebinding makes a browser send any page's requests to a
 *   local server under the attacker's name); `GET /healthz` is exempt for load-balancer probes.
 * - Cross-site: a state-changing request (any method but GET, HEAD, OPTIONS) that a browser marks as
 *   coming from another site (`Sec-Fetch-Site`, which a page cannot forge), or, from a browser too old to
 *   send it, whose `Origin` names a host not allowed. `Sec-Fetch-Site` decides alone when present, so a
 *   proxy that rewrites Host does not break the dashboard. Server-to-server calls (the Inngest executor,
 *   curl) send neither header and pass.
 * - Content type: a state-changing request with a body must declare `application/json`, which no page can
 *   send cross-origin without a CORS preflight (that Tally never grants). A body-less request (the
 *   `curl -X PUT` that syncs the Inngest app) needs none.
 */
export function refusal(req: IncomingMessage, path: string, config: HttpConfig): HttpError | null {
  const method = req.method ?? "GET";
  const safe = SAFE_METHODS.has(method);
  if (!(safe && path === "/healthz")) {
    const host = requestHostName(req.headers.host);
    if (!host || !config.allowedHosts.has(host)) {
      return new HttpError(
        421,
        `host ${JSON.stringify(req.headers.host ?? "")} is not served here: add its name to TALLY_ALLOWED_HOSTS to serve it`,
      );
    }
  }
  if (safe) return null;

  const site = header(req, "sec-fetch-site");
  const origin = header(req, "origin");
  if (site !== undefined) {
    if (!SAME_SITE_FETCHES.has(site)) return new HttpError(403, `cross-site request refused (Sec-Fetch-Site: ${site})`);
  } else if (origin !== undefined) {
    const host = originHostName(origin);
    if (!host || !config.allowedHosts.has(host)) return new HttpError(403, `cross-site request refused (Origin: ${origin})`);
  }

  const type = header(req, "content-type");
  if (type === undefined ? hasBody(req) : !isJson(type)) {
    return new HttpError(415, `${method} ${path} takes a JSON body: send content-type: application/json (got ${type ?? "none"})`);
  }
  return null;
}

function isJson(contentType: string): boolean {
  return contentType.split(";")[0]!.trim().toLowerCase() === "application/json";
}
