/** Host names as the Host check compares them: lower case, IPv6 in brackets, no trailing dot, no port. */

const NAME = /^([a-z0-9_-]+\.)*[a-z0-9_-]+$|^\[[0-9a-f:.]+\]$/;

/**
 * A configured host (`example.com`, `10.0.0.5`, `::1`) as a Host header names it, or null when `host` is not a
 * bare host name (a scheme, port, path, wildcard or non-ASCII letters).
 */
export function hostName(host: string): string | null {
  const h = host.trim().toLowerCase().replace(/\.$/, "");
  const bracketed = h.includes(":") && !h.startsWith("[") ? `[${h}]` : h;
  if (!NAME.test(bracketed)) return null;
  try {
    const url = new URL(`http://${bracketed}/`);
    return url.hostname === bracketed && url.port === "" ? url.hostname : null;
  } catch {
    return null;
  }
}

/** This machine's names, as `hostName` gives them: always allowed, and where cookies need not be Secure. */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];
/** A HOST that listens on every interface, as `hostName` gives it. */
export const EVERY_INTERFACE: ReadonlySet<string> = new Set(["0.0.0.0", "[::]"]);

/** Whether a configured or URL host (`::1`, `[::1]`, `LOCALHOST`) names this machine. */
export function isLoopback(host: string): boolean {
  const name = hostName(host);
  return name !== null && LOOPBACK_HOSTS.includes(name);
}

/** The host name of a Host header (`evil.example:3000` → `evil.example`), or null when it is not one. */
export function requestHostName(header: string | undefined): string | null {
  if (!header) return null;
  try {
    const url = new URL(`http://${header}/`);
    return url.host === header.toLowerCase() || url.host === header.toLowerCase().replace(/:80$/, "")
      ? url.hostname.replace(/\.$/, "")
      : null;
  } catch {
    return null;
  }
}

/** The host name of an Origin header (`https://app.example` → `app.example`); null for `null` or garbage. */
export function originHostName(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.origin === "null" ? null : url.hostname.replace(/\.$/, "");
  } catch {
    return null;
  }
}

/** This server's own address for links and logs: an every-interface HOST as localhost, an IPv6 literal in brackets. */
export function listenUrl(host: string, port: number): string {
  const name = hostName(host) ?? host;
  return `http://${EVERY_INTERFACE.has(name) ? "localhost" : name}:${port}`;
}
