import type { IncomingMessage, ServerResponse } from "node:http";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { type GenericOAuthConfig, type GenericOAuthOptions, genericOAuth } from "better-auth/plugins/generic-oauth";
import { type Role, roleSchema } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import type { Env } from "../env.ts";
import { sendJson } from "../http/respond.ts";
import type { Auth } from "./auth.ts";
import { writeAudit } from "./audit.ts";
import type { Actor } from "./principal.ts";

/**
 * Single sign-on with one OpenID Connect provider (TALLY_OIDC_*), through better-auth's generic OAuth
 * plugin: `POST /api/auth/sign-in/social {provider: "oidc", callbackURL}` answers the provider's URL, the
 * provider sends the browser back to `/api/auth/callback/oidc`, which sets Tally's session cookie.
 *
 * Who may sign in, and with which role, is Tally's decision, never the provider's:
 * - an SSO identity already linked to a user signs in as that user, with that user's role;
 * - an email that is a Tally user's is linked to that user (who keeps their role) only when the provider
 *   says `email_verified: true` (better-auth's account linking, the provider not "trusted");
 * - an email with no user yet, verified by the provider: a live invitation for it gives the invited role
 *   (and is used up), else TALLY_OIDC_DEFAULT_ROLE, else the sign-in is refused and no user is created.
 */
export const SSO_PROVIDER_ID = "oidc";

export interface SsoConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The sign-in button's label. */
  name: string;
  /** Role of a first-time user without an invitation; null: refused. */
  defaultRole: Role | null;
}

export function ssoConfig(env: Env): SsoConfig | null {
  const { TALLY_OIDC_ISSUER: issuer, TALLY_OIDC_CLIENT_ID: clientId, TALLY_OIDC_CLIENT_SECRET: clientSecret } = env;
  if (!issuer || !clientId || !clientSecret) return null;
  return { issuer, clientId, clientSecret, name: env.TALLY_OIDC_NAME, defaultRole: env.TALLY_OIDC_DEFAULT_ROLE ?? null };
}

/**
 * How long better-auth's start waits for the issuer's discovery document. Every session check waits for
 * that start, and better-auth's own fetch has no time limit: an issuer that does not answer would hang the
 * whole dashboard, password users included. After this the provider is left to the plugin's own retry at
 * the next SSO sign-in (10 s limit there).
 */
const DISCOVERY_WAIT_MS = 5_000;

/**
 * The provider, from the issuer's discovery document: authorization code flow with PKCE and a nonce, ID
 * tokens checked against the issuer's keys (a provider whose discovery fails is retried at the next sign-in).
 */
export function ssoPlugin(sso: SsoConfig) {
  const config: GenericOAuthConfig = {
    providerId: SSO_PROVIDER_ID,
    name: sso.name,
    discoveryUrl: `${sso.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`,
    requireIdTokenVerification: true,
    clientId: sso.clientId,
    clientSecret: sso.clientSecret,
    scopes: ["openid", "email", "profile"],
    pkce: true,
    // Signing out of Tally ends the Tally session only, not the person's session at the provider.
    disableProviderLogout: true,
  };
  const plugin = genericOAuth({ config: [config] });
  const init = plugin.init;
  type Init = Awaited<ReturnType<typeof init>>;
  return {
    ...plugin,
    init: async (ctx: Parameters<typeof init>[0]): Promise<Init> => {
      let timer: NodeJS.Timeout | undefined;
      const unanswered = new Promise<Init>((resolve) => {
        timer = setTimeout(() => {
          ctx.logger.error(`SSO: ${config.discoveryUrl} did not answer in ${DISCOVERY_WAIT_MS / 1000} s; tried again at the next SSO sign-in`);
          resolve({ context: { socialProviders: ctx.socialProviders, genericOAuthPendingDiscovery: new Map([[SSO_PROVIDER_ID, config]]) } });
        }, DISCOVERY_WAIT_MS);
      });
      try {
        return await Promise.race([init(ctx), unanswered]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Only the redirect flow: better-auth would also take an ID token posted to `/sign-in/social`, which would
 * let any leaked ID token for Tally's client sign in without the provider in the loop.
 */
export const ssoRequestPolicy = createAuthMiddleware(async (ctx) => {
  if (ctx.path === "/sign-in/social" && ctx.body?.idToken !== undefined) {
    throw new APIError("BAD_REQUEST", { code: "ID_TOKEN_SIGN_IN_OFF", message: "sign in through the provider's page, not with an ID token" });
  }
});

const SSO_ACTOR: Actor = { kind: "system", id: "sso", label: "single sign-on" };

/**
 * better-auth creates a user only on a first SSO sign-in (email sign-up is off, Tally's own paths insert
 * users themselves), so these hooks decide that user's role, or refuse, and record the new account.
 */
export function ssoUserHooks(db: Db, sso: SsoConfig | null) {
  return {
    create: {
      before: async (user: { email: string; name: string; emailVerified?: boolean }) => {
        if (!user.emailVerified) {
          throw new APIError("FORBIDDEN", {
            code: "EMAIL_NOT_VERIFIED",
            message: `the sign-in provider has not verified ${user.email}: verify it there, then sign in again`,
          });
        }
        const invited = await liveInvitation(db, user.email, Date.now());
        const role = invited ?? sso?.defaultRole ?? null;
        if (!sso || !role) {
          throw new APIError("FORBIDDEN", {
            code: "NO_TALLY_ACCOUNT",
            message: `${user.email} has no Tally account: ask an admin to invite this email`,
          });
        }
        return { data: { ...user, role } };
      },
      after: async (user: { email: string; name: string; role?: unknown }) => {
        const now = Date.now();
        await db.transaction().execute(async (trx) => {
          const used = await trx
            .updateTable("setup_tokens")
            .set({ used_at: now })
            .where("email", "=", user.email)
            .where("used_at", "is", null)
            .where("expires_at", ">", now)
            .executeTakeFirst();
          const after = { email: user.email, name: user.name, role: user.role, via: Number(used.numUpdatedRows) > 0 ? "invitation" : "sso" };
          await writeAudit(trx, SSO_ACTOR, { action: "users.create", target: `user:${user.email}`, before: null, after }, now);
        });
      },
    },
  };
}

/** The role of the newest unused, unexpired invitation for this email, if any. */
async function liveInvitation(db: Db, email: string, now: number): Promise<Role | null> {
  const row = await db
    .selectFrom("setup_tokens")
    .select("role")
    .where("email", "=", email.toLowerCase())
    .where("used_at", "is", null)
    .where("expires_at", ">", now)
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  return row ? roleSchema.parse(row.role) : null;
}

/** `GET /api/sign-in-options` (open): whether the sign-in page offers SSO, and its button label. */
export function createSignInOptionsRoute(auth: Auth) {
  const plugin = auth.options.plugins?.find((p) => p.id === "generic-oauth");
  const provider = (plugin?.options as GenericOAuthOptions | undefined)?.config.find((c) => c.providerId === SSO_PROVIDER_ID);
  const answer = { sso: provider ? { providerId: SSO_PROVIDER_ID, name: provider.name ?? SSO_PROVIDER_ID } : null };
  return (_req: IncomingMessage, res: ServerResponse) => sendJson(res, 200, answer);
}
