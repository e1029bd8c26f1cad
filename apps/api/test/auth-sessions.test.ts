import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUser, me, PASSWORD, post, session, sessionCookie, signIn } from "./auth-client.ts";
import { startTally, type Tally } from "./harness.ts";
import { rawRequest } from "./raw-http.ts";

/** The attributes of a Set-Cookie line, lower-cased names: `{ httponly: "", samesite: "Lax", path: "/" }`. */
function attributes(setCookie: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of setCookie.split(";").slice(1)) {
    const [k, ...v] = part.trim().split("=");
    out[k!.toLowerCase()] = v.join("=");
  }
  return out;
}

describe("sessions on loopback", { timeout: 30_000 }, () => {
  let t: Tally;
  beforeAll(async () => {
    t = await startTally();
    await addUser(t, "ada@example.com", "finance");
  });
  afterAll(() => t.close());

  it("sign-in sets an HttpOnly, SameSite=Lax, Path=/ session cookie, not Secure over plain http on loopback", async () => {
    const res = await signIn(t, "ada@example.com", PASSWORD);
    expect(res.status).toBe(200);
    const line = res.headers.getSetCookie().find((c) => c.startsWith("better-auth.session_token="));
    expect(line, res.headers.getSetCookie().join(" | ")).toBeDefined();
    const a = attributes(line!);
    expect(a).toHaveProperty("httponly");
    expect(a.samesite?.toLowerCase()).toBe("lax");
    expect(a.path).toBe("/");
    expect(a).not.toHaveProperty("secure");
    // The cookie is the session: system.me answers for the user.
    const who = await me(t, { cookie: sessionCookie(res) });
    expect(who.status).toBe(200);
    expect(who.body.result.data).toMatchObject({ kind: "user", label: "ada@example.com", role: "finance" });
  });

  it("sign-out ends the session: the old cookie then gets 401", async () => {
    const { cookie } = await session(t, "ada@example.com");
    expect((await me(t, { cookie })).status).toBe(200);
    const out = await post(t, "/api/auth/sign-out", {}, { cookie });
    expect(out.status).toBe(200);
    expect((await me(t, { cookie })).status).toBe(401);
  });
});

describe("password change (/api/auth/change-password)", { timeout: 30_000 }, () => {
  let t: Tally;
  beforeAll(async () => {
    t = await startTally();
    await addUser(t, "cy@example.com", "reviewer");
  });
  afterAll(() => t.close());

  const change = (cookie: string, currentPassword: string, newPassword: string) =>
    post(t, "/api/auth/change-password", { currentPassword, newPassword, revokeOtherSessions: true }, { cookie });
  const audits = () => t.db.selectFrom("audit_log").selectAll().where("action", "=", "users.changePassword").execute();

  it("refuses a wrong current password, and the password stays", async () => {
    const { cookie } = await session(t, "cy@example.com");
    const res = await change(cookie, "not the password at all", "a brand new passphrase 42");
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await signIn(t, "cy@example.com", PASSWORD)).status).toBe(200);
    expect((await signIn(t, "cy@example.com", "a brand new passphrase 42")).status).toBe(401);
    expect(await audits()).toEqual([]);
  });

  it("refuses a weak new password with 400 on newPassword before better-auth changes anything", async () => {
    const { cookie } = await session(t, "cy@example.com");
    // 16 characters pass better-auth's own length rule; Tally's passwordSchema wants 5 different characters.
    for (const weak of ["aaaaaaaaaaaaaaaa", "short1!", "x".repeat(129)]) {
      const res = await change(cookie, PASSWORD, weak);
      expect(res.status, weak).toBe(400);
      const body = (await res.json()) as { fieldErrors?: Record<string, string[]> };
      expect(body.fieldErrors?.newPassword?.[0], JSON.stringify(body)).toMatch(/password/);
      expect((await signIn(t, "cy@example.com", weak)).status).not.toBe(200);
    }
    expect((await signIn(t, "cy@example.com", PASSWORD)).status).toBe(200);
    expect(await audits()).toEqual([]);
  });

  it("a change is recorded as users.changePassword; the old password no longer signs in, the new one does", async () => {
    const { cookie } = await session(t, "cy@example.com");
    const res = await change(cookie, PASSWORD, "a brand new passphrase 42");
    expect(res.status, await res.clone().text()).toBe(200);
    const rows = await audits();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_type: "user", actor_label: "cy@example.com", target: "user:cy@example.com" });
    expect(JSON.stringify(rows[0])).not.toContain("passphrase");
    expect((await signIn(t, "cy@example.com", PASSWORD)).status).toBe(401);
    expect((await signIn(t, "cy@example.com", "a brand new passphrase 42")).status).toBe(200);
  });

  it("a change ends the user's other sessions even when the request asks to keep them", async () => {
    const [mine, other] = [await session(t, "cy@example.com", "a brand new passphrase 42"), await session(t, "cy@example.com", "a brand new passphrase 42")];
    const res = await post(t, "/api/auth/change-password", { currentPassword: "a brand new passphrase 42", newPassword: "yet another passphrase 9", revokeOtherSessions: false }, mine);
    expect(res.status).toBe(200);
    expect((await me(t, other)).status).toBe(401);
    expect((await me(t, { cookie: sessionCookie(res) })).body.result.data).toMatchObject({ label: "cy@example.com" });
  });

  it("without a session the change is a 401 and records nothing", async () => {
    const res = await change("", PASSWORD, "another fine passphrase 7");
    expect(res.status).toBe(401);
    expect(await audits()).toHaveLength(2);
  });
});

describe("sessions behind a public https URL", { timeout: 30_000 }, () => {
  let t: Tally;
  const publicUrl = "https://tally.example.com";
  beforeAll(async () => {
    t = await startTally({ TALLY_PUBLIC_URL: publicUrl, TALLY_ALLOWED_HOSTS: "tally.example.com" });
    await addUser(t, "bea@example.com");
  });
  afterAll(() => t.close());

  it("the session cookie is Secure and __Secure- prefixed, and works", async () => {
    // As the browser sends it through the TLS-terminating proxy.
    const headers = { host: "tally.example.com", origin: publicUrl, "x-forwarded-proto": "https", "content-type": "application/json" };
    const res = await rawRequest(t.base, "POST", "/api/auth/sign-in/email", JSON.stringify({ email: "bea@example.com", password: PASSWORD }), headers);
    expect(res.status, res.text).toBe(200);
    const lines = [res.headers["set-cookie"] ?? []].flat();
    const line = lines.find((c) => c.startsWith("__Secure-better-auth.session_token="));
    expect(line, lines.join(" | ")).toBeDefined();
    const a = attributes(line!);
    expect(a).toHaveProperty("secure");
    expect(a).toHaveProperty("httponly");
    expect(a.samesite?.toLowerCase()).toBe("lax");
    expect(a.path).toBe("/");
    const who = await me(t, { cookie: line!.split(";")[0]! });
    expect(who.body.result?.data).toMatchObject({ kind: "user", label: "bea@example.com" });
  });
});
