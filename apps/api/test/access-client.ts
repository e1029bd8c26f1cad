// Test-only client for the access-* tests: tRPC procedures and CSV exports over HTTP with a given credential
// (API key or session cookie), and sign-in through better-auth's real endpoint.
import type { Role } from "@tally/shared";
import { createPasswordUser } from "../src/auth/accounts.ts";
import { createApiKey } from "../src/auth/api-keys.ts";
import { SYSTEM } from "../src/auth/principal.ts";
import type { Tally } from "./harness.ts";
import type { Json } from "./json.ts";

export const PASSWORD = "walk-the-router-1234";
export type Headers = Record<string, string>;
export interface Answer {
  status: number;
  body: Json;
}

/** An API key with this role, made through the code the admin page calls. */
export async function keyFor(tally: Tally, role: Role, name = `${role} key`): Promise<Headers> {
  const { secret } = await createApiKey(tally.db, SYSTEM, { name, role }, Date.now());
  return { authorization: `Bearer ${secret}` };
}

/** Signs in through `POST /api/auth/sign-in/email` (with the page's Origin, as a browser sends it): the session cookie. */
export async function signIn(tally: Tally, email: string, password = PASSWORD): Promise<Answer & { headers?: Headers }> {
  const res = await fetch(`${tally.base}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: tally.base },
    body: JSON.stringify({ email, password }),
  });
  const body = await res.json().catch(() => null);
  const cookie = res.headers.getSetCookie().find((c) => /^(__Secure-)?better-auth\.session_token=[^;]+/.test(c));
  return { status: res.status, body, ...(cookie ? { headers: { cookie: cookie.split(";")[0]! } } : {}) };
}

/** A password user with this role (the code path setup links and TALLY_INIT_* use), signed in: the cookie header. */
export async function sessionFor(tally: Tally, role: Role, email = `${role}@walk.test`): Promise<Headers> {
  await createPasswordUser(tally.db, SYSTEM, { email, name: role, role, password: PASSWORD }, Date.now());
  const signedIn = await signIn(tally, email);
  if (signedIn.status !== 200 || !signedIn.headers) throw new Error(`sign-in for ${email}: ${signedIn.status} ${JSON.stringify(signedIn.body)}`);
  return signedIn.headers;
}

/** One tRPC procedure: a query by GET (`?input=`), a mutation by POST with the page's Origin. */
export async function call(tally: Tally, path: string, type: string, input: unknown, headers: Headers): Promise<Answer> {
  const url = `${tally.base}/api/trpc/${path}`;
  const res =
    type === "mutation"
      ? await fetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json", origin: tally.base, "sec-fetch-site": "same-origin" }, body: JSON.stringify(input ?? null) })
      : await fetch(input === undefined ? url : `${url}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers });
  return { status: res.status, body: await res.json() };
}

/** The answer's data (the call must succeed). */
export async function data(tally: Tally, path: string, type: string, input: unknown, headers: Headers): Promise<Json> {
  const a = await call(tally, path, type, input, headers);
  if (a.status !== 200) throw new Error(`${path}: ${a.status} ${JSON.stringify(a.body)}`);
  return a.body.result.data;
}

/** One CSV export: status and text. */
export async function exportCsv(tally: Tally, table: string, input: unknown, headers: Headers): Promise<{ status: number; text: string; fileName: string | null }> {
  const res = await fetch(`${tally.base}/api/export/${table}.csv?input=${encodeURIComponent(JSON.stringify(input))}`, { headers });
  const fileName = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? null;
  return { status: res.status, text: await res.text(), fileName };
}

/**
 * What a mutation may change: the audit log and every table an admin or finance mutation writes (an API
 * key's `last_used_at` aside: using a key notes the time whatever the answer).
 */
export async function snapshot(tally: Tally) {
  const db = tally.db;
  const audit = await db.selectFrom("audit_log").selectAll().orderBy("id").execute();
  const users = await db.selectFrom("auth_user").selectAll().execute();
  const sessions = await db.selectFrom("auth_session").selectAll().execute();
  const accounts = await db.selectFrom("auth_account").selectAll().execute();
  const keys = (await db.selectFrom("api_keys").selectAll().execute()).map(({ last_used_at, ...k }) => k);
  const tokens = await db.selectFrom("setup_tokens").selectAll().execute();
  const prices = await db.selectFrom("model_prices").selectAll().execute();
  const customers = await db.selectFrom("customers").selectAll().execute();
  return { audit, users, sessions, accounts, keys, tokens, prices, customers };
}

/** The audit rows in id order (`before`/`after` parsed). */
export async function auditRows(tally: Tally) {
  const rows = await tally.db.selectFrom("audit_log").selectAll().orderBy("id").execute();
  return rows.map((r) => ({ ...r, before: r.before === null ? null : JSON.parse(r.before), after: r.after === null ? null : JSON.parse(r.after) }));
}

/** Parses RFC 4180 CSV (quoted cells with commas, quotes and line breaks) into rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(cell);
      cell = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += c;
  }
  if (cell !== "" || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
