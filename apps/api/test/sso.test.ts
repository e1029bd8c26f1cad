import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { createApp } from "../src/app.ts";
import { createSetupToken } from "../src/auth/setup.ts";
import { SYSTEM } from "../src/auth/principal.ts";
import { readEnv } from "../src/env.ts";
import { createHttpServer } from "../src/server.ts";
import { TEST_API_KEY } from "./harness.ts";
import { Browser, CLIENT_ID, CLIENT_SECRET, closeServer, freePort, type Idp, type IdpPerson, listen, person, startIdp } from "./sso-idp.ts";

/**
 * Single sign-on against a real OpenID Connect provider (`oidc-provider`, on 127.0.0.1): the whole
 * authorization-code flow over HTTP (PKCE, nonce, signed ID token), with cookies carried by hand
 * the way a browser would, from Tally's sign-in endpoint to its session cookie and `system.me`.
 */

// --- Tally on a port chosen first (the provider must know its callback URL) ---------------------------------
interface RunningTally {
  base: string;
  db: Awaited<ReturnType<typeof createApp>>["db"];
  close(): Promise<void>;
}

async function startTallyOn(port: number, env: Record<string, string>): Promise<RunningTally> {
  const dir = mkdtempSync(join(tmpdir(), "tally-sso-"));
  const base = `http://127.0.0.1:${port}`;
  const url = await testDatabaseUrl({ file: join(dir, "tally.db") });
  const app = await createApp(
    readEnv({ INNGEST_DEV: "1", TALLY_DEMO: "0", DATABASE_URL: url, TALLY_INIT_API_KEY: TEST_API_KEY, TALLY_PUBLIC_URL: base, ...env }),
  );
  const server = createHttpServer(app);
  await listen(server, port);
  return {
    base,
    db: app.db,
    async close() {
      await closeServer(server);
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Clicks "Single sign-on" on Tally's sign-in page in a fresh browser; the provider signs `who` in. */
async function ssoSignIn(tally: RunningTally, idp: Idp, who: IdpPerson) {
  idp.signInAs = who;
  const browser = new Browser();
  const start = await browser.fetch(new URL("/api/auth/sign-in/social", tally.base), {
    method: "POST",
    headers: { "content-type": "application/json", origin: tally.base },
    body: JSON.stringify({ provider: "oidc", callbackURL: "/" }),
  });
  expect(start.status).toBe(200);
  const { url } = (await start.json()) as { url: string };
  expect(url.startsWith(`${idp.issuer}/`)).toBe(true);
  const landed = await browser.follow(new URL(url), tally.base);
  const me = await browser.fetch(new URL("/api/trpc/system.me", tally.base));
  const body = (await me.json()) as { result?: { data: { kind: string; label: string; role: string } } };
  return { landed, meStatus: me.status, me: body.result?.data, browser };
}

const usersWith = (tally: RunningTally, email: string) => tally.db.selectFrom("auth_user").selectAll().where("email", "=", email).execute();
const ssoAccountsOf = async (tally: RunningTally, email: string) =>
  tally.db
    .selectFrom("auth_account")
    .innerJoin("auth_user", "auth_user.id", "auth_account.userId")
    .select(["auth_account.providerId", "auth_account.accountId"])
    .where("auth_user.email", "=", email)
    .where("auth_account.providerId", "=", "oidc")
    .execute();

/** Creates a Tally user with a password through a setup link, the way an invited person does. */
async function invitedUser(tally: RunningTally, email: string, role: "viewer" | "finance" | "reviewer" | "admin") {
  const { token } = await createSetupToken(tally.db, SYSTEM, { role, email, ttlMs: 3_600_000 }, Date.now());
  const res = await fetch(`${tally.base}/api/setup`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: tally.base },
    body: JSON.stringify({ token, email, name: email.split("@")[0], password: "correct horse battery staple" }),
  });
  expect(res.status).toBe(201);
}

describe("single sign-on with an OpenID Connect provider", () => {
  let idp: Idp;
  let strict: RunningTally; // no TALLY_OIDC_DEFAULT_ROLE: only people Tally knows
  let open: RunningTally; // TALLY_OIDC_DEFAULT_ROLE=finance (not viewer, better-auth's fallback for the column)
  let plain: RunningTally; // no SSO configured
  let latePort: number; // for a Tally started while the provider does not answer

  beforeAll(async () => {
    const [strictPort, openPort, plainPort] = [await freePort(), await freePort(), await freePort()];
    latePort = await freePort();
    idp = await startIdp([strictPort, openPort, latePort].map((p) => `http://127.0.0.1:${p}/api/auth/callback/oidc`));
    const sso = { TALLY_OIDC_ISSUER: idp.issuer, TALLY_OIDC_CLIENT_ID: CLIENT_ID, TALLY_OIDC_CLIENT_SECRET: CLIENT_SECRET, TALLY_OIDC_NAME: "Acme SSO" };
    strict = await startTallyOn(strictPort, sso);
    open = await startTallyOn(openPort, { ...sso, TALLY_OIDC_DEFAULT_ROLE: "finance" });
    plain = await startTallyOn(plainPort, {});
  }, 60_000);

  afterAll(async () => {
    await Promise.all([strict?.close(), open?.close(), plain?.close()]);
    await idp?.close();
  });

  it("tells the sign-in page whether SSO is offered, without credentials", async () => {
    expect(await (await fetch(`${strict.base}/api/sign-in-options`)).json()).toEqual({ sso: { providerId: "oidc", name: "Acme SSO" } });
    expect(await (await fetch(`${plain.base}/api/sign-in-options`)).json()).toEqual({ sso: null });
    expect((await fetch(`${plain.base}/api/sign-in-options`, { method: "POST", headers: { origin: plain.base } })).status).toBe(405);
  });

  it("signs an existing user in with their own role, whatever the provider claims, and links the identity once", async () => {
    await invitedUser(strict, "fin@acme.test", "finance");
    const fin = person("fin-1", "Fin@Acme.test");
    const first = await ssoSignIn(strict, idp, fin);
    expect(first.landed.pathname).toBe("/");
    expect(first.meStatus).toBe(200);
    expect(first.me).toMatchObject({ kind: "user", label: "fin@acme.test", role: "finance" });
    expect(await ssoAccountsOf(strict, "fin@acme.test")).toEqual([{ providerId: "oidc", accountId: "fin-1" }]);
    // Next time the provider's subject finds the user (even if the provider now says unverified).
    fin.email_verified = false;
    const again = await ssoSignIn(strict, idp, fin);
    expect(again.me).toMatchObject({ label: "fin@acme.test", role: "finance" });
    expect(await usersWith(strict, "fin@acme.test")).toHaveLength(1);
    // Signing out ends the Tally session only: no redirect to the provider's logout.
    const out = await again.browser.fetch(new URL("/api/auth/sign-out", strict.base), { method: "POST", headers: { origin: strict.base } });
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ success: true });
    expect((await again.browser.fetch(new URL("/api/trpc/system.me", strict.base))).status).toBe(401);
  });

  it("takes no ID token posted directly: the provider's page is the only way in", async () => {
    // A genuine ID token the provider issued to Tally for fin@acme.test (kept with the linked account).
    const account = await strict.db
      .selectFrom("auth_account")
      .select(sql<string>`"idToken"`.as("idToken"))
      .where("providerId", "=", "oidc")
      .where("accountId", "=", "fin-1")
      .executeTakeFirstOrThrow();
    const token = account.idToken;
    const { nonce } = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as { nonce?: string };
    const res = await fetch(`${strict.base}/api/auth/sign-in/social`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: strict.base },
      body: JSON.stringify({ provider: "oidc", idToken: { token, nonce } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "ID_TOKEN_SIGN_IN_OFF" });
    expect(res.headers.getSetCookie().filter((c) => c.includes("session_token="))).toEqual([]);
  });

  it("refuses an email Tally does not know when no default role is set, creating nobody", async () => {
    const stranger = person("stranger-1", "stranger@elsewhere.test");
    const r = await ssoSignIn(strict, idp, stranger);
    expect(r.landed.pathname).toBe("/sign-in");
    expect(r.landed.searchParams.get("error")).toBe("NO_TALLY_ACCOUNT");
    expect(r.landed.searchParams.get("error_description")).toBe("stranger@elsewhere.test has no Tally account: ask an admin to invite this email");
    expect(r.meStatus).toBe(401);
    expect(await usersWith(strict, "stranger@elsewhere.test")).toEqual([]);
  });

  it("does not join an existing account to an identity whose email the provider has not verified", async () => {
    await invitedUser(strict, "boss@acme.test", "admin");
    const impostor = person("impostor-1", "boss@acme.test", false);
    const r = await ssoSignIn(strict, idp, impostor);
    expect(r.landed.pathname).toBe("/sign-in");
    expect(r.landed.searchParams.get("error")).toBe("account_not_linked");
    expect(r.meStatus).toBe(401);
    expect(await ssoAccountsOf(strict, "boss@acme.test")).toEqual([]);
  });

  it("gives a first-time user TALLY_OIDC_DEFAULT_ROLE, never the provider's role claim, and records the new account", async () => {
    const newcomer = person("new-1", "newcomer@acme.test");
    const r = await ssoSignIn(open, idp, newcomer);
    expect(r.landed.pathname).toBe("/");
    expect(r.me).toMatchObject({ kind: "user", label: "newcomer@acme.test", role: "finance" });
    const [user] = await usersWith(open, "newcomer@acme.test");
    expect(user).toMatchObject({ role: "finance", name: "Person new-1" });
    const audit = await open.db.selectFrom("audit_log").selectAll().where("target", "=", "user:newcomer@acme.test").execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "users.create", actor_type: "system", actor_id: "sso" });
    expect(JSON.parse(audit[0]!.after!)).toEqual({ email: "newcomer@acme.test", name: "Person new-1", role: "finance", via: "sso" });
  });

  it("keeps an existing user's role when a default role is set", async () => {
    await invitedUser(open, "rev@acme.test", "reviewer");
    const r = await ssoSignIn(open, idp, person("rev-1", "rev@acme.test"));
    expect(r.me).toMatchObject({ label: "rev@acme.test", role: "reviewer" });
  });

  it("gives an invited email the invited role on its first SSO sign-in, and uses the invitation up", async () => {
    await createSetupToken(strict.db, SYSTEM, { role: "reviewer", email: "invitee@acme.test", ttlMs: 3_600_000 }, Date.now());
    const r = await ssoSignIn(strict, idp, person("invitee-1", "invitee@acme.test"));
    expect(r.me).toMatchObject({ label: "invitee@acme.test", role: "reviewer" });
    const tokens = await strict.db.selectFrom("setup_tokens").select("used_at").where("email", "=", "invitee@acme.test").execute();
    expect(tokens.map((t) => t.used_at !== null)).toEqual([true]);
  });

  it("keeps sessions working when the provider does not answer at start, and signs in by SSO once it does", async () => {
    idp.silent = true;
    const late = await startTallyOn(latePort, {
      TALLY_OIDC_ISSUER: idp.issuer,
      TALLY_OIDC_CLIENT_ID: CLIENT_ID,
      TALLY_OIDC_CLIENT_SECRET: CLIENT_SECRET,
      TALLY_OIDC_DEFAULT_ROLE: "reviewer",
    });
    try {
      // A session check waits for better-auth's start, which waits for the provider's discovery document.
      const began = Date.now();
      const session = await fetch(`${late.base}/api/auth/get-session`, { headers: { cookie: "better-auth.session_token=none.none" } });
      expect(session.status).toBe(200);
      expect(Date.now() - began).toBeLessThan(8_000);
      idp.silent = false;
      const r = await ssoSignIn(late, idp, person("late-1", "late@acme.test"));
      expect(r.me).toMatchObject({ label: "late@acme.test", role: "reviewer" });
    } finally {
      idp.silent = false;
      await late.close();
    }
  }, 20_000);

  it("refuses a first-time user whose email the provider has not verified, even with a default role", async () => {
    const r = await ssoSignIn(open, idp, person("unverified-1", "unverified@acme.test", false));
    expect(r.landed.searchParams.get("error")).toBe("EMAIL_NOT_VERIFIED");
    expect(r.meStatus).toBe(401);
    expect(await usersWith(open, "unverified@acme.test")).toEqual([]);
  });
});
