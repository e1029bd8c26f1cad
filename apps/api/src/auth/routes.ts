import type { IncomingMessage, ServerResponse } from "node:http";
import { emailSchema, passwordSchema, roleSchema } from "@tally/shared";
import type { App } from "../app.ts";
import { parseJson, readText } from "../http/body.ts";
import { HttpError, issuesByField, sendJson } from "../http/respond.ts";
import { requestUrl, sendWebResponse, webRequest } from "../http/web-request.ts";
import { InputError } from "../queries/common.ts";
import { writeAudit } from "./audit.ts";
import { sessionPrincipal } from "./authenticate.ts";
import { countAttempt, settleAttempt } from "./sign-in-limit.ts";
import { readSetupToken, redeemSetupToken, setupInput } from "./setup.ts";

/** Auth request bodies are small (an email and a password). */
const AUTH_MAX_BODY_BYTES = 64 * 1024;

/**
 * The better-auth endpoints the dashboard uses, and no other (sign-up, account deletion, user updates and the
 * rest stay unreachable whatever better-auth enables by default). SSO (sso.ts) starts at `sign-in/social` and
 * comes back to `callback/oidc`, its one provider (better-auth's generic OAuth plugin adds no endpoint of its own).
 */
const AUTH_PATHS = new Set([
  "/api/auth/get-session",
  "/api/auth/sign-in/email",
  "/api/auth/sign-out",
  "/api/auth/change-password",
  "/api/auth/sign-in/social",
  "/api/auth/callback/oidc",
]);
const isAuthPath = (path: string) => AUTH_PATHS.has(path);

/** `/api/auth/*`: better-auth's handler, with password checks limited per account and per address. */
export function createAuthRoute(app: Pick<App, "db" | "access">, now: () => number = Date.now) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req);
    if (!isAuthPath(url.pathname)) throw new HttpError(404, `no auth endpoint ${url.pathname}`);
    const text = req.method === "POST" ? await readText(req, AUTH_MAX_BODY_BYTES) : "";
    const forward = (body = text) => app.access.auth.handler(webRequest(req, body, url));
    if (url.pathname === "/api/auth/sign-in/email") return signIn(app, req, res, text, forward, now());
    if (url.pathname === "/api/auth/change-password") return changePassword(app, req, res, text, forward, now());
    const answer = await forward();
    if (url.pathname === "/api/auth/get-session" && (await hasUnknownRole(answer))) return sendJson(res, 200, null);
    await sendWebResponse(res, answer);
  };
}

/** A session whose user has a role Tally does not know is no session (the API answers it 401), so the page signs in. */
async function hasUnknownRole(answer: Response): Promise<boolean> {
  if (!answer.ok) return false;
  const session = (await answer.clone().json().catch(() => null)) as { user?: { role?: unknown } } | null;
  return session?.user !== undefined && !roleSchema.safeParse(session.user.role).success;
}

/** Hands the request to better-auth, with its body as read or as Tally rewrote it. */
type Forward = (body?: string) => Promise<Response>;

/** Email sign-in: a valid email, not at the failure limit; a wrong password (401) stays counted. */
async function signIn(app: Pick<App, "db" | "access">, req: IncomingMessage, res: ServerResponse, text: string, forward: Forward, now: number) {
  const email = emailSchema.safeParse((parseJson(text) as { email?: unknown } | null)?.email);
  if (!email.success) return sendJson(res, 400, { error: "invalid input", fieldErrors: { email: ["email is not a valid address (name@example.com)"] } });
  const ip = app.access.clientAddress(req);
  const wait = await countAttempt(app.db, email.data, ip, now);
  if (wait !== null) return tooManyFailures(res, wait);
  const answer = await forward();
  await settleAttempt(app.db, email.data, ip, answer.status === 401 ? "failed" : answer.ok ? "succeeded" : "unjudged");
  await sendWebResponse(res, answer);
}

/**
 * Password change: the new password must pass Tally's rule (400 on `newPassword`) before better-auth sees
 * it; a wrong current password counts as a failed sign-in of the account; a change ends every other session
 * of the user (whatever `revokeOtherSessions` says: a password is changed when someone else may know it) and
 * is recorded.
 */
async function changePassword(app: Pick<App, "db" | "access">, req: IncomingMessage, res: ServerResponse, text: string, forward: Forward, now: number) {
  const body = parseJson(text) as { newPassword?: unknown } | null;
  const newPassword = passwordSchema.safeParse(body?.newPassword);
  if (!newPassword.success) {
    return sendJson(res, 400, { error: "invalid input", fieldErrors: { newPassword: newPassword.error.issues.map((i) => i.message) } });
  }
  const user = await sessionPrincipal(app.access.auth, req);
  if (!user) return sendJson(res, 401, { error: "sign in first", message: "sign in first" });
  const ip = app.access.clientAddress(req);
  const wait = await countAttempt(app.db, user.label, ip, now);
  if (wait !== null) return tooManyFailures(res, wait);
  const answer = await forward(JSON.stringify({ ...body, revokeOtherSessions: true }));
  const code = answer.status === 400 ? ((await answer.clone().json().catch(() => null)) as { code?: unknown } | null)?.code : undefined;
  const wrongPassword = code === "INVALID_PASSWORD";
  await settleAttempt(app.db, user.label, ip, wrongPassword ? "failed" : answer.ok ? "succeeded" : "unjudged");
  if (answer.ok) {
    await app.db.transaction().execute((trx) =>
      writeAudit(trx, user, { action: "users.changePassword", target: `user:${user.label}`, before: null, after: null }, now),
    );
  }
  await sendWebResponse(res, answer);
}

/** The same answer whichever account or address is at its limit, and whether or not the account exists. */
function tooManyFailures(res: ServerResponse, wait: number): void {
  const error = `too many failed sign-ins: try again in ${Math.ceil(wait / 60)} min`;
  sendJson(res, 429, { error, message: error }, { "retry-after": String(wait) });
}

/**
 * `/api/setup`: `GET ?token=` says what a setup link offers (role, invited email); `POST {token, email,
 * name, password}` creates that account, once. Open without credentials: the token is the credential.
 */
export function createSetupRoute(app: Pick<App, "db">) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (req.method === "GET") {
        const token = requestUrl(req).searchParams.get("token") ?? "";
        return sendJson(res, 200, await readSetupToken(app.db, token, Date.now()));
      }
      const parsed = setupInput.safeParse(parseJson(await readText(req, AUTH_MAX_BODY_BYTES)));
      if (!parsed.success) {
        return sendJson(res, 400, { error: "invalid input", fieldErrors: issuesByField(parsed.error.issues, "body") });
      }
      const user = await redeemSetupToken(app.db, parsed.data, Date.now());
      sendJson(res, 201, { email: user.email, name: user.name, role: user.role });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      sendJson(res, 400, { error: e.message, fieldErrors: issuesByField(e.issues, "body") });
    }
  };
}
