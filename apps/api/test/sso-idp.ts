import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/**
 * A real OpenID Connect provider (`oidc-provider`) on 127.0.0.1 for the SSO test, with custom login and
 * consent (the person `signInAs` signs in and approves), and a browser reduced to cookies and redirects.
 */

// --- The identity provider: people who can sign in there (claims as the provider asserts them) ---------------
export interface IdpPerson {
  sub: string;
  email: string;
  email_verified: boolean;
  name: string;
}
const people: Record<string, IdpPerson> = {};
export const person = (sub: string, email: string, email_verified = true): IdpPerson => (people[sub] = { sub, email, email_verified, name: `Person ${sub}` });

export const CLIENT_ID = "tally-dashboard";
export const CLIENT_SECRET = "idp-client-secret-0123456789abcdef";

export interface Idp {
  issuer: string;
  /** Who is at the provider's login page for the next sign-in. */
  signInAs: IdpPerson | null;
  /** While true the provider takes connections and never answers (down behind a load balancer, say). */
  silent: boolean;
  close(): Promise<void>;
}

export async function startIdp(redirectUris: string[]): Promise<Idp> {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handle(req, res));
  const port = await listen(server, 0);
  const issuer = `http://127.0.0.1:${port}`;
  const idp: Idp = { issuer, signInAs: null, silent: false, close: () => closeServer(server) };
  const provider = new Provider(issuer, {
    clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: redirectUris, token_endpoint_auth_method: "client_secret_post" }],
    // Everyone at this provider carries `role: admin` in their profile: Tally must ignore it.
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name", "role"] },
    findAccount: (_ctx, sub) => {
      const p = people[sub];
      return p ? { accountId: sub, claims: () => ({ ...p, role: "admin" }) } : undefined;
    },
    // Claims in the ID token itself (as Google, Okta or Keycloak do), not only at the userinfo endpoint.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ["idp-cookie-key-0123456789"] },
  });
  const callback = provider.callback();
  handle = (req, res) => {
    if (idp.silent) return;
    if (!req.url?.startsWith("/interaction/")) return callback(req, res);
    // The login and consent pages: the person `signInAs` signs in and approves what Tally asks for.
    void (async () => {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === "login") {
        if (!idp.signInAs) return res.writeHead(400).end("nobody at the login page");
        return provider.interactionFinished(req, res, { login: { accountId: idp.signInAs.sub } }, { mergeWithLastSubmission: false });
      }
      const grant = new provider.Grant({ accountId: details.session!.accountId, clientId: CLIENT_ID });
      grant.addOIDCScope("openid email profile");
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    })().catch((e: unknown) => res.writeHead(500).end(String(e)));
  };
  return idp;
}


export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}
export async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listen(probe, 0);
  await closeServer(probe);
  return port;
}

// --- A browser, reduced to what the flow needs: a cookie jar per origin and manual redirects -----------------
export class Browser {
  readonly jars = new Map<string, Map<string, string>>();

  cookieHeader(url: URL): string {
    return [...(this.jars.get(url.origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async fetch(url: URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(url);
    if (cookie) headers.set("cookie", cookie);
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    const jar = this.jars.get(url.origin) ?? new Map<string, string>();
    this.jars.set(url.origin, jar);
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === "" || /max-age=0\b/i.test(line) || /expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /** Follows redirects until a page of the Tally dashboard (not an API path): where the browser lands. */
  async follow(start: URL, tallyBase: string): Promise<URL> {
    let url = start;
    for (let hop = 0; hop < 20; hop++) {
      const res = await this.fetch(url);
      const location = res.headers.get("location");
      if (!location) throw new Error(`${url} answered ${res.status} without a redirect: ${await res.text()}`);
      await res.body?.cancel();
      url = new URL(location, url);
      if (url.origin === tallyBase && !url.pathname.startsWith("/api/")) return url;
    }
    throw new Error("too many redirects");
  }
}
