import { betterAuth } from "better-auth";
import { type Db, engineOf } from "@tally/shared/db";
import { PASSWORD_MAX, PASSWORD_MIN } from "@tally/shared";
import { type SsoConfig, ssoPlugin, ssoRequestPolicy, ssoUserHooks } from "./sso.ts";

export interface AuthConfig {
  /** Signs session cookies: TALLY_AUTH_SECRET, or in dev mode a random one kept in `settings`. */
  secret: string;
  /** TALLY_PUBLIC_URL; without it each request's own origin, when its host is one the guard allows. */
  baseURL: string | undefined;
  /** Host names the HTTP guard allows (any port). */
  allowedHosts: readonly string[];
  /** `Secure` cookies: on unless the dashboard is served on a loopback address. */
  secureCookies: boolean;
  /** Origins whose cookie-authenticated requests better-auth accepts (besides the request's own). */
  trustedOrigins: string[];
  /** Single sign-on (TALLY_OIDC_*), or null. */
  sso: SsoConfig | null;
}

/**
 * better-auth on Tally's own database (its Kysely adapter; tables from migration 0008): email + password,
 * no self sign-up (accounts come from the setup link, an invitation or TALLY_INIT_*), optional single
 * sign-on (sso.ts: who may sign in that way and with which role), no telemetry.
 * Sessions last 7 days and are read from the database on every request, so a revoked session or a changed
 * role counts at once. Failed sign-ins are limited by `sign-in-limit.ts` before a request gets here.
 */
export function createAuth(db: Db, config: AuthConfig) {
  return betterAuth({
    appName: "Tally",
    // The adapter's type decides how it writes booleans and dates: 0/1 and ISO text on SQLite, native on PostgreSQL.
    database: { db: db as never, type: engineOf(db) },
    secret: config.secret,
    baseURL: config.baseURL ?? { allowedHosts: config.allowedHosts.flatMap((h) => [h, `${h}:*`]), protocol: "auto" },
    basePath: "/api/auth",
    trustedOrigins: (request) => {
      const own = request ? new URL(request.url).origin : undefined;
      return [...config.trustedOrigins, ...(own ? [own] : [])];
    },
    telemetry: { enabled: false },
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: PASSWORD_MIN,
      maxPasswordLength: PASSWORD_MAX,
      revokeSessionsOnPasswordReset: true,
    },
    user: {
      modelName: "auth_user",
      additionalFields: { role: { type: "string", input: false, required: true, defaultValue: "viewer" } },
    },
    session: { modelName: "auth_session", expiresIn: 7 * 86_400, updateAge: 86_400 },
    verification: { modelName: "auth_verification" },
    plugins: config.sso ? [ssoPlugin(config.sso)] : [],
    databaseHooks: { user: ssoUserHooks(db, config.sso) },
    hooks: { before: ssoRequestPolicy },
    account: {
      modelName: "auth_account",
      // An SSO sign-in joins the Tally user with the same email only when the provider has verified that
      // email (the provider is not "trusted" blindly). Tally's own emails are not mail-verified: accounts
      // exist only because an admin, an invitation or the operator made them, so that is not required.
      accountLinking: { enabled: true, trustedProviders: [], requireLocalEmailVerified: false, updateUserInfoOnLink: false },
    },
    // An SSO failure (refused, cancelled, unverified email) lands on the sign-in page: ?error=CODE&error_description=…
    onAPIError: { errorURL: "/sign-in" },
    // Tally limits failed sign-ins itself, per account and per address, in the database (sign-in-limit.ts).
    rateLimit: { enabled: false },
    advanced: {
      useSecureCookies: config.secureCookies,
      defaultCookieAttributes: { httpOnly: true, sameSite: "lax" },
      ipAddress: { disableIpTracking: false },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;
