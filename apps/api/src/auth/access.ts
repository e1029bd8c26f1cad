import type { IncomingMessage } from "node:http";
import { randomBytes } from "node:crypto";
import { isIPv6 } from "node:net";
import type { Db } from "@tally/shared/db";
import type { Env } from "../env.ts";
import { header } from "../http/body.ts";
import { isLoopback } from "../http/hosts.ts";
import { createPasswordUser } from "./accounts.ts";
import { apiKeyExists, createApiKey } from "./api-keys.ts";
import { type Auth, createAuth } from "./auth.ts";
import { authenticate } from "./authenticate.ts";
import type { Principal } from "./principal.ts";
import { ssoConfig } from "./sso.ts";
import { SYSTEM } from "./principal.ts";

export interface Access {
  auth: Auth;
  /** The request's principal (API key or session), or null. */
  authenticate(req: IncomingMessage): Promise<Principal | null>;
  /**
   * The client's address for sign-in limits: the socket's, or behind TALLY_TRUST_PROXY=1 the proxy's report
   * (X-Forwarded-For's last entry); an IPv6 address by its /64 network.
   */
  clientAddress(req: IncomingMessage): string;
}

/** Sign-in, sessions and keys from configuration. Secure cookies unless the dashboard is served on loopback. */
export async function createAccess(db: Db, env: Env, allowedHosts: ReadonlySet<string>): Promise<Access> {
  const secret = env.TALLY_AUTH_SECRET ?? (await devSecret(db));
  const served = env.TALLY_PUBLIC_URL ? new URL(env.TALLY_PUBLIC_URL).hostname : env.HOST;
  const secureCookies = !isLoopback(served);
  if (secureCookies && !env.TALLY_PUBLIC_URL?.startsWith("https:")) {
    console.warn(
      `Warning: Tally is served on ${served}, not a loopback address, so session cookies are Secure: browsers sign in over ` +
        "HTTPS only. Put a TLS proxy in front and set TALLY_PUBLIC_URL=https://<host> (API keys work either way).",
    );
  }
  const auth = createAuth(db, {
    secret,
    baseURL: env.TALLY_PUBLIC_URL,
    allowedHosts: [...allowedHosts],
    secureCookies,
    trustedOrigins: env.TALLY_PUBLIC_URL ? [new URL(env.TALLY_PUBLIC_URL).origin] : [],
    sso: ssoConfig(env),
  });
  return {
    auth,
    authenticate: (req) => authenticate(db, auth, req, Date.now()),
    clientAddress: (req) => {
      const forwarded = env.TALLY_TRUST_PROXY === "1" ? header(req, "x-forwarded-for")?.split(",").pop()?.trim() : undefined;
      return limiterAddress(forwarded || req.socket.remoteAddress || "unknown");
    },
  };
}

/**
 * The address sign-in limits count by: IPv4 as is (also IPv4-mapped IPv6), IPv6 by its /64 network, since
 * one client usually holds a whole /64 and could otherwise try from a fresh address each time.
 */
export function limiterAddress(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head, tail] = ip.toLowerCase().split("::").map((part) => (part === "" ? [] : part.split(":")));
  // `::` stands for the zero groups that make eight (a dotted IPv4 ending counts as two).
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
  const groups = tail === undefined ? head! : [...head!, ...Array(8 - width(head!) - width(tail)).fill("0"), ...tail];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/** Dev mode without TALLY_AUTH_SECRET: a random secret made once and kept in the database, so sessions survive restarts. */
async function devSecret(db: Db): Promise<string> {
  const fresh = randomBytes(32).toString("base64url");
  await db.insertInto("settings").values({ key: "auth_secret", value: fresh }).onConflict((oc) => oc.column("key").doNothing()).execute();
  return (await db.selectFrom("settings").select("value").where("key", "=", "auth_secret").executeTakeFirstOrThrow()).value;
}

/**
 * Headless initialisation (TALLY_INIT_*), at start, each once for good: the first admin by email and
 * password, and an admin API key with the operator's secret. Recorded in the audit log. An admin who changed
 * the password or was removed, and a key that was revoked, stay so: restarts with the same settings make nothing.
 */
export async function initAccess(db: Db, env: Env, now: number): Promise<string[]> {
  const done: string[] = [];
  const email = env.TALLY_INIT_ADMIN_EMAIL;
  if (email && env.TALLY_INIT_ADMIN_PASSWORD) {
    const exists = await db.selectFrom("auth_user").select("id").where("email", "=", email).executeTakeFirst();
    if (!exists && !(await initAdminCreatedBefore(db, email))) {
      const password = env.TALLY_INIT_ADMIN_PASSWORD;
      const made = await madeOnce(
        () => createPasswordUser(db, SYSTEM, { email, name: env.TALLY_INIT_ADMIN_NAME, role: "admin", password }, now),
        async () => (await db.selectFrom("auth_user").select("id").where("email", "=", email).executeTakeFirst()) !== undefined,
      );
      if (made) done.push(`admin ${email} created (TALLY_INIT_ADMIN_EMAIL)`);
    }
  }
  const key = env.TALLY_INIT_API_KEY;
  if (key && !(await apiKeyExists(db, key))) {
    const made = await madeOnce(() => createApiKey(db, SYSTEM, { name: "TALLY_INIT_API_KEY", role: "admin", secret: key }, now), () => apiKeyExists(db, key));
    if (made) done.push("admin API key created (TALLY_INIT_API_KEY)");
  }
  return done;
}

/**
 * Makes something at start that another server process on the same database may be making at the same
 * moment: if making it fails because the other made it first (duplicate email, unique key hash), that is
 * success, not a failed start. Returns whether this process made it.
 */
async function madeOnce(make: () => Promise<unknown>, existsNow: () => Promise<boolean>): Promise<boolean> {
  try {
    await make();
    return true;
  } catch (e) {
    if (await existsNow()) return false;
    throw e;
  }
}

/** Whether TALLY_INIT_ADMIN_EMAIL made this account before (the audit log's record of it, which is never deleted). */
async function initAdminCreatedBefore(db: Db, email: string): Promise<boolean> {
  const row = await db
    .selectFrom("audit_log")
    .select("id")
    .where("actor_type", "=", SYSTEM.kind)
    .where("actor_id", "=", SYSTEM.id)
    .where("action", "=", "users.create")
    .where("target", "=", `user:${email}`)
    .executeTakeFirst();
  return row !== undefined;
}
