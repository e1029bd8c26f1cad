import type { IncomingMessage, ServerResponse } from "node:http";
import { emailSchema } from "@tally/shared";
import type { App } from "../app.ts";
import { parseJson, readText } from "../http/body.ts";
import { HttpError, sendJson } from "../http/respond.ts";
import { requestUrl, sendWebResponse, webRequest } from "../http/web-request.ts";
import { InputError } from "../queries/common.ts";
import { clearSignInFailures, recordSignInFailure, signInBlockedFor } from "./sign-in-limit.ts";
import { readSetupToken, redeemSetupToken, setupInput } from "./setup.ts";

/** Auth request bodies are small (an email and a password). */
const AUTH_MAX_BODY_BYTES = 64 * 1024;

/**
 * The better-auth endpoints the dashboard uses, and no other (sign-up, account deletion and the rest stay
 * unreachable whatever better-auth enables by default). SSO adds its own two with the provider.
 */
const AUTH_PATHS = new Set([
  "/api/auth/get-session",
  "/api/auth/sign-in/email",
  "/api/auth/sign-out",
  "/api/auth/change-password",
  "/api/auth/sign-in/oauth2",
]);
const isAuthPath = (path: string) => AUTH_PATHS.has(path) || path.startsWith("/api/auth/oauth2/callback/");

/** `/api/auth/*`: better-auth's handler, with failed email sign-ins limited per account and per address. */
export function createAuthRoute(app: Pick<App, "db" | "access">) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req);
    if (!isAuthPath(url.pathname)) throw new HttpError(404, `no auth endpoint ${url.pathname}`);
    const text = req.method === "POST" ? await readText(req, AUTH_MAX_BODY_BYTES) : "";
    if (url.pathname !== "/api/auth/sign-in/email") {
      return sendWebResponse(res, await app.access.auth.handler(webRequest(req, text, url)));
    }
    const body = parseJson(text) as { email?: unknown } | undefined;
    const email = emailSchema.safeParse(body?.email);
    if (!email.success) return sendJson(res, 400, { error: "invalid input", fieldErrors: { email: ["email is not a valid address"] } });
    const ip = app.access.clientAddress(req);
    const now = Date.now();
    const wait = await signInBlockedFor(app.db, email.data, ip, now);
    if (wait !== null) {
      const error = `too many failed sign-ins: try again in ${Math.ceil(wait / 60)} min`;
      return sendJson(res, 429, { error, message: error }, { "retry-after": String(wait) });
    }
    const answer = await app.access.auth.handler(webRequest(req, text, url));
    if (answer.status === 401) await recordSignInFailure(app.db, email.data, ip, now);
    else if (answer.ok) await clearSignInFailures(app.db, email.data);
    await sendWebResponse(res, answer);
  };
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
        const fieldErrors: Record<string, string[]> = {};
        for (const i of parsed.error.issues) (fieldErrors[i.path.map(String).join(".") || "body"] ??= []).push(i.message);
        return sendJson(res, 400, { error: "invalid input", fieldErrors });
      }
      const user = await redeemSetupToken(app.db, parsed.data, Date.now());
      sendJson(res, 201, { email: user.email, name: user.name, role: user.role });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const [issue] = e.issues;
      sendJson(res, 400, { error: e.message, fieldErrors: { [issue!.path[0]!]: [issue!.message] } });
    }
  };
}
