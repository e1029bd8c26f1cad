import { type LookupAddress, lookup } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { BlockList, isIP } from "node:net";

/**
 * Where an alert may be sent. An admin names a channel's URL; without this guard Tally would POST from inside
 * the network to whatever it names (a cloud metadata service, a database port, an internal admin page) and keep
 * the reply's first characters in the notification history. Addresses that are not on the public internet are
 * refused unless the operator allows them (`TALLY_ALERT_PRIVATE_DESTINATIONS=1`; dev mode allows them). The check
 * runs in the connection's own DNS lookup, so a name cannot resolve to a public address when checked and a
 * private one when connected.
 */
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) NOT_PUBLIC.addSubnet(net, prefix, "ipv4");
// Unspecified, loopback and IPv4-compatible (::/96), NAT64 and 6to4 (both reach an IPv4 address), unique local,
// link-local, multicast. BlockList checks an IPv4-mapped address (::ffff:a.b.c.d) against the IPv4 ranges above.
for (const [net, prefix] of [["::", 96], ["64:ff9b::", 96], ["2002::", 16], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8]] as const) {
  NOT_PUBLIC.addSubnet(net, prefix, "ipv6");
}

/** Whether an IP address is off the public internet (loopback, private, link-local, metadata, multicast, …). */
export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return NOT_PUBLIC.check(ip, family === 4 ? "ipv4" : "ipv6");
}

/** The host a URL names, as looked up: IPv6 brackets and a trailing dot dropped, lower case. */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
}

/**
 * The host a URL names when that host is off the public internet by itself (an IP in any notation the URL parser
 * reads, `localhost`, a `.localhost` name), else null. A name that resolves to such an address is caught when
 * sending (postOnce).
 */
export function namedPrivateHost(url: string): string | null {
  const host = bareHost(new URL(url));
  return isPrivateAddress(host) || host === "localhost" || host.endsWith(".localhost") ? host : null;
}

export class RefusedDestination extends Error {}

const refusal = (host: string, ip: string) =>
  new RefusedDestination(`refused: ${host} is ${ip === host ? "" : `${ip}, `}an address off the public internet (TALLY_ALERT_PRIVATE_DESTINATIONS=1 allows it)`);

export interface PostOptions {
  headers: Record<string, string>;
  timeoutMs: number;
  /** Allow loopback, private and link-local destinations. */
  allowPrivate: boolean;
}

export interface PostAnswer {
  status: number;
  /** The reply's first characters. */
  text: string;
  retryAfter: string | null;
}

/** POSTs `body` to `url` once; never follows a redirect. Rejects with RefusedDestination for a refused address. */
export function postOnce(url: string, body: string, opts: PostOptions): Promise<PostAnswer> {
  const target = new URL(url);
  const host = bareHost(target);
  if (!opts.allowPrivate && isPrivateAddress(host)) return Promise.reject(refusal(host, host));
  const guarded: RequestOptions["lookup"] = (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, "", 0);
      const bad = opts.allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(refusal(hostname, bad.address), "", 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      return first ? callback(null, first.address, first.family) : callback(new Error(`${hostname} has no address`), "", 0);
    });
  };
  const request = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target, {
      method: "POST",
      headers: { "content-length": Buffer.byteLength(body).toString(), ...opts.headers },
      lookup: guarded,
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    req.on("error", reject);
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (text.length < 200) text += chunk;
        else res.destroy();
      });
      const done = () => resolve({ status: res.statusCode ?? 0, text: text.slice(0, 200), retryAfter: res.headers["retry-after"] ?? null });
      res.on("end", done);
      res.on("close", done);
      res.on("error", done);
    });
    req.end(body);
  });
}
