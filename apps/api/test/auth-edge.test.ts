import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUser, me, PASSWORD, post, session, signIn } from "./auth-client.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import { PRODUCTION, rawRequest } from "./raw-http.ts";

const UPSERT = "/api/trpc/customers.upsert";
const ACME = JSON.stringify({ id: "acme", name: "Acme Corp" });
const JSON_TYPE = { "content-type": "application/json" };

describe("cross-site requests", () => {
  let t: Tally;
  let cookie: string;
  beforeAll(async () => {
    t = await startTally();
    await addUser(t, "fin@example.com", "finance");
    ({ cookie } = await session(t, "fin@example.com"));
  });
  afterAll(() => t.close());
  const customers = () => t.db.selectFrom("customers").select("id").execute();
  const audits = () => t.db.selectFrom("audit_log").select("action").where("action", "=", "customers.upsert").execute();

  it("a cookie-authenticated mutation marked cross-site, or from a foreign Origin, is a 403 and changes nothing", async () => {
    const forgeries: Record<string, string>[] = [{ "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }, { origin: "https://evil.example" }, { origin: "null" }];
    for (const forged of forgeries) {
      const res = await rawRequest(t.base, "POST", UPSERT, ACME, { ...JSON_TYPE, cookie, ...forged });
      expect(res.status, JSON.stringify(forged)).toBe(403);
    }
    // A form post (no JSON content type, so no CORS preflight) is refused too.
    const form = await rawRequest(t.base, "POST", UPSERT, "id=acme&name=Acme", { "content-type": "application/x-www-form-urlencoded", cookie });
    expect(form.status).toBe(415);
    expect(await customers()).toEqual([]);
    expect(await audits()).toEqual([]);
    // The same request from the dashboard itself goes through.
    const own = await rawRequest(t.base, "POST", UPSERT, ACME, { ...JSON_TYPE, cookie, origin: t.base, "sec-fetch-site": "same-origin" });
    expect(own.status, own.text).toBe(200);
    expect(await customers()).toEqual([{ id: "acme" }]);
  });

  it("a sign-in from a foreign Origin or marked cross-site is a 403 and sets no cookie", async () => {
    const body = JSON.stringify({ email: "fin@example.com", password: PASSWORD });
    const forgeries: Record<string, string>[] = [{ origin: "https://evil.example" }, { "sec-fetch-site": "cross-site", origin: t.base }];
    for (const forged of forgeries) {
      const res = await rawRequest(t.base, "POST", "/api/auth/sign-in/email", body, { ...JSON_TYPE, ...forged });
      expect(res.status, JSON.stringify(forged)).toBe(403);
      expect(res.headers["set-cookie"]).toBeUndefined();
    }
  });

  it("an API key from curl (no Origin, no Sec-Fetch-Site) works", async () => {
    const res = await rawRequest(t.base, "POST", UPSERT, JSON.stringify({ id: "globex", name: "Globex" }), { ...JSON_TYPE, ...AUTH });
    expect(res.status, res.text).toBe(200);
    expect((await customers()).map((c) => c.id).sort()).toEqual(["acme", "globex"]);
  });
});

describe("only the dashboard's better-auth endpoints answer", () => {
  let t: Tally;
  let cookie: string;
  beforeAll(async () => {
    t = await startTally();
    await addUser(t, "vic@example.com", "viewer");
    ({ cookie } = await session(t, "vic@example.com"));
  });
  afterAll(() => t.close());
  const users = () => t.db.selectFrom("auth_user").select(["email", "role", "name"]).orderBy("email").execute();

  it("sign-up, delete-user and update-user (a role escalation) are 404 and change nothing", async () => {
    const before = await users();
    const tries: [string, unknown][] = [
      ["/api/auth/sign-up/email", { email: "mallory@example.com", password: PASSWORD, name: "Mallory" }],
      ["/api/auth/delete-user", {}],
      ["/api/auth/update-user", { role: "admin", name: "Vic the Admin" }],
      ["/api/auth/update-user/", { role: "admin" }],
      ["/api/auth/UPDATE-USER", { role: "admin" }],
      ["/api/auth/sign-in/../update-user", { role: "admin" }],
      ["/api/auth/sign-in/%2e%2e/update-user", { role: "admin" }],
      ["/api/auth/change-email", { newEmail: "vic2@example.com" }],
      ["/api/auth/revoke-sessions", {}],
      ["/api/auth/callback/github", {}],
      ["/api/auth/oauth2/callback/other", {}],
    ];
    for (const [path, body] of tries) {
      const res = await rawRequest(t.base, "POST", path, JSON.stringify(body), { ...JSON_TYPE, origin: t.base, cookie });
      expect(res.status, path).toBe(404);
    }
    expect(await users()).toEqual(before);
    expect((await me(t, { cookie })).body.result.data).toMatchObject({ role: "viewer" });
  });

  it("a session whose user has a role Tally does not know is a 401", async () => {
    await addUser(t, "odd@example.com", "viewer");
    const odd = await session(t, "odd@example.com");
    await t.db.updateTable("auth_user").set({ role: "superuser" }).where("email", "=", "odd@example.com").execute();
    expect((await me(t, odd)).status).toBe(401);
    // The page asking whether it is signed in hears no, as for no session at all (and does not loop on 401s).
    const asked = await fetch(`${t.base}/api/auth/get-session`, { headers: odd });
    expect([asked.status, await asked.json()]).toEqual([200, null]);
    const normal = await fetch(`${t.base}/api/auth/get-session`, { headers: { cookie } });
    expect(((await normal.json()) as { user: { email: string } }).user.email).toBe("vic@example.com");
  });

  it("a wrong Bearer key is a 401 even with a valid session cookie; a right one is judged alone", async () => {
    expect((await me(t, { cookie })).status).toBe(200);
    for (const authorization of ["Bearer tally_wrong_key_0000000000000000000000", "Bearer", "Basic dmljOnBhc3M=", ""]) {
      expect((await me(t, { cookie, authorization })).status, authorization).toBe(401);
    }
    expect((await me(t, { cookie, ...AUTH })).body.result.data).toMatchObject({ kind: "api_key", role: "admin" });
  });
});

/** Every key named `stack` anywhere in a JSON answer, and any text that looks like a stack frame. */
function leaks(text: string): string[] {
  return [...text.matchAll(/"stack"|\bat [\w.<>]+ \(|\.ts:\d+|node_modules/g)].map((m) => m[0]);
}

describe("no stack traces outside dev mode", () => {
  let t: Tally;
  let viewer: { cookie: string };
  beforeAll(async () => {
    t = await startTally({ ...PRODUCTION, TALLY_AUTH_SECRET: "a-production-secret-of-32-chars-or-more" });
    await addUser(t, "vera@example.com", "viewer");
    viewer = await session(t, "vera@example.com");
  });
  afterAll(() => t.close());

  it("401, 403 and 400 answers from tRPC, sign-in and setup carry no stack", async () => {
    const answers: [string, number, string][] = [];
    const note = async (what: string, res: Response) => answers.push([what, res.status, await res.text()]);
    await note("401", await fetch(`${t.base}/api/trpc/system.me`));
    await note("401 wrong key", await fetch(`${t.base}/api/trpc/system.me`, { headers: { authorization: "Bearer nope" } }));
    await note("403", await post(t, UPSERT, { id: "acme", name: "Acme" }, viewer));
    await note("400", await post(t, UPSERT, { id: "", name: 5 }, AUTH));
    await note("sign-in 401", await signIn(t, "vera@example.com", "wrong password here"));
    await note("setup 400", await post(t, "/api/setup", { token: "x", email: "a@b.example", name: "A", password: PASSWORD }));
    expect(answers.map(([w, s]) => `${w} ${s}`)).toEqual(["401 401", "401 wrong key 401", "403 403", "400 400", "sign-in 401 401", "setup 400 400"]);
    for (const [what, , text] of answers) expect(leaks(text), `${what}: ${text}`).toEqual([]);
  });
});

describe("dev mode keeps the stack (so the check above can see one)", () => {
  let t: Tally;
  beforeAll(async () => {
    t = await startTally();
  });
  afterAll(() => t.close());

  it("a 401 in dev mode carries its stack", async () => {
    const text = await (await fetch(`${t.base}/api/trpc/system.me`)).text();
    expect(leaks(text)).toContain('"stack"');
  });
});
