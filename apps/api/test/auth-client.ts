import type { Role } from "@tally/shared";
import { createPasswordUser } from "../src/auth/accounts.ts";
import { SYSTEM } from "../src/auth/principal.ts";
import type { Tally } from "./harness.ts";
import type { Json } from "./json.ts";

/**
 * A browser's view of Tally's sign-in edge for the auth-* tests: JSON POSTs carrying the page's own
 * `Origin` (as a browser sends it, and better-auth requires), the session cookie kept by name=value.
 */
export const PASSWORD = "correct horse battery staple";

export async function addUser(t: Pick<Tally, "db">, email: string, role: Role = "viewer", password = PASSWORD): Promise<string> {
  return (await createPasswordUser(t.db, SYSTEM, { email, name: email.split("@")[0]!, role, password }, Date.now())).id;
}

export function post(t: Pick<Tally, "base">, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${t.base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: t.base, ...headers },
    body: JSON.stringify(body),
  });
}

export function signIn(t: Pick<Tally, "base">, email: string, password: string, headers: Record<string, string> = {}): Promise<Response> {
  return post(t, "/api/auth/sign-in/email", { email, password }, headers);
}

/** The session cookie a sign-in set (`name=value`), or throws when there is none. */
export function sessionCookie(res: Response): string {
  const cookie = res.headers.getSetCookie().find((c) => /^(__Secure-)?better-auth\.session_token=[^;]+/.test(c));
  if (!cookie) throw new Error(`no session cookie in ${res.status} answer: ${res.headers.getSetCookie().join(" | ")}`);
  return cookie.split(";")[0]!;
}

/** Signs in (must succeed) and returns the `cookie` header that carries the session. */
export async function session(t: Pick<Tally, "base">, email: string, password = PASSWORD): Promise<{ cookie: string }> {
  const res = await signIn(t, email, password);
  if (res.status !== 200) throw new Error(`sign-in for ${email} answered ${res.status}: ${await res.text()}`);
  return { cookie: sessionCookie(res) };
}

/** `system.me` with these headers: its status and body. */
export async function me(t: Pick<Tally, "base">, headers: Record<string, string>): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${t.base}/api/trpc/system.me`, { headers });
  return { status: res.status, body: await res.json() };
}
