import type { IncomingMessage } from "node:http";
import { roleSchema } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import { header } from "../http/body.ts";
import { forwardedHeaders } from "../http/web-request.ts";
import { principalForKey } from "./api-keys.ts";
import type { Auth } from "./auth.ts";
import type { Principal } from "./principal.ts";

/**
 * The request's principal: an API key (`Authorization: Bearer <key>`) or a better-auth session cookie, or
 * null. A request that sends an Authorization header is judged by it alone (a wrong key is not rescued by a
 * cookie). A user whose stored role is not a known role gets nothing.
 */
export async function authenticate(db: Db, auth: Auth, req: IncomingMessage, now: number): Promise<Principal | null> {
  const authorization = header(req, "authorization");
  if (authorization !== undefined) {
    const key = /^Bearer +([\x21-\x7e]{1,512})$/i.exec(authorization.trim())?.[1];
    return key ? principalForKey(db, key, now) : null;
  }
  return header(req, "cookie") ? sessionPrincipal(auth, req) : null;
}

/** The signed-in user of the request's session cookie, or null (no session, or a role Tally does not know). */
export async function sessionPrincipal(auth: Auth, req: IncomingMessage): Promise<Principal | null> {
  const session = await auth.api.getSession({ headers: forwardedHeaders(req) });
  if (!session) return null;
  const role = roleSchema.safeParse((session.user as { role?: unknown }).role);
  return role.success ? { kind: "user", id: session.user.id, label: session.user.email, role: role.data } : null;
}
