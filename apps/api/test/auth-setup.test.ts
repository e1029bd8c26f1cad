import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPasswordUser, FIRST_RUN_OVER, userCount } from "../src/auth/accounts.ts";
import { SYSTEM } from "../src/auth/principal.ts";
import { createSetupToken, FIRST_RUN_TTL_MS, firstRunToken } from "../src/auth/setup.ts";
import { me, PASSWORD, post, session, signIn } from "./auth-client.ts";
import { startTally, type Tally } from "./harness.ts";
import type { Json } from "./json.ts";

const ADMIN: { kind: "user"; id: string; label: string; role: "admin" } = { kind: "user", id: "u-admin", label: "root@example.com", role: "admin" };

async function answer(res: Response): Promise<{ status: number; body: Json }> {
  return { status: res.status, body: await res.json() };
}
const read = (t: Tally, token: string) => fetch(`${t.base}/api/setup?token=${encodeURIComponent(token)}`).then(answer);
const redeem = (t: Tally, body: Record<string, unknown>) => post(t, "/api/setup", body).then(answer);
const account = (token: string, email: string) => ({ token, email, name: "New Person", password: PASSWORD });

describe("setup links (/api/setup)", { timeout: 30_000 }, () => {
  let t: Tally;
  let firstRun: string;
  beforeAll(async () => {
    t = await startTally();
    firstRun = (await firstRunToken(t.db, Date.now()))!;
  });
  afterAll(() => t.close());

  it("an invalid, missing or expired token is a 400 on token, read or redeemed", async () => {
    const expired = await createSetupToken(t.db, ADMIN, { role: "viewer", email: null, ttlMs: FIRST_RUN_TTL_MS }, Date.now() - FIRST_RUN_TTL_MS - 1000);
    for (const token of ["nonsense", "", expired.token]) {
      const r = await read(t, token);
      expect(r.status, token).toBe(400);
      expect(r.body.fieldErrors.token, token).toHaveLength(1);
    }
    expect((await fetch(`${t.base}/api/setup`).then(answer)).body.fieldErrors.token).toHaveLength(1);
    const r = await redeem(t, account(expired.token, "late@example.com"));
    expect(r.status).toBe(400);
    expect(r.body.fieldErrors.token[0]).toMatch(/expired/);
    expect((await redeem(t, account("nonsense", "late@example.com"))).body.fieldErrors.token[0]).toMatch(/not valid/);
  });

  it("a weak password or a bad email is a 400 naming the field, and the token stays usable", async () => {
    const { token } = await createSetupToken(t.db, ADMIN, { role: "viewer", email: null, ttlMs: 60_000 }, Date.now());
    for (const password of ["short", "aaaaaaaaaaaaaaaaaaaa"]) {
      const r = await redeem(t, { ...account(token, "weak@example.com"), password });
      expect(r.status).toBe(400);
      expect(Object.keys(r.body.fieldErrors)).toEqual(["password"]);
    }
    const r = await redeem(t, account(token, "not an email"));
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.fieldErrors)).toEqual(["email"]);
    expect((await read(t, token)).status).toBe(200);
  });

  it("the first-run link offers admin and, redeemed many times at once, creates exactly one admin", async () => {
    expect((await read(t, firstRun)).body).toMatchObject({ role: "admin", email: null });
    const all = await Promise.all(Array.from({ length: 8 }, (_, i) => redeem(t, account(firstRun, `first${i}@example.com`))));
    expect(all.map((r) => r.status).sort()).toEqual([201, 400, 400, 400, 400, 400, 400, 400]);
    for (const loser of all.filter((r) => r.status === 400)) expect(loser.body.fieldErrors.token[0]).toMatch(/used/);
    const admins = await t.db.selectFrom("auth_user").select("email").where("role", "=", "admin").execute();
    expect(admins).toHaveLength(1);
    const used = await read(t, firstRun);
    expect(used.status).toBe(400);
    expect(used.body.fieldErrors.token[0]).toMatch(/used/);
    const { cookie } = await session(t, admins[0]!.email);
    expect((await me(t, { cookie })).body.result.data).toMatchObject({ kind: "user", role: "admin", label: admins[0]!.email });
  });

  it("an invitation is for its email only, and signs in with the role offered", async () => {
    const { token } = await createSetupToken(t.db, ADMIN, { role: "finance", email: "x@y.example", ttlMs: 60_000 }, Date.now());
    expect((await read(t, token)).body).toMatchObject({ role: "finance", email: "x@y.example" });
    const wrong = await redeem(t, account(token, "someone.else@y.example"));
    expect(wrong.status).toBe(400);
    expect(wrong.body.fieldErrors.email[0]).toMatch(/x@y\.example/);
    expect(await t.db.selectFrom("auth_user").select("id").where("email", "=", "someone.else@y.example").executeTakeFirst()).toBeUndefined();
    const ok = await redeem(t, account(token, "X@Y.example"));
    expect(ok).toEqual({ status: 201, body: { email: "x@y.example", name: "New Person", role: "finance" } });
    expect((await redeem(t, account(token, "x@y.example"))).body.fieldErrors.token[0]).toMatch(/used/);
    const { cookie } = await session(t, "x@y.example");
    expect((await me(t, { cookie })).body.result.data).toMatchObject({ kind: "user", role: "finance" });
    expect((await signIn(t, "someone.else@y.example", PASSWORD)).status).toBe(401);
  });

  it("a body that is not the setup form is a 400, and nothing is created", async () => {
    const { token } = await createSetupToken(t.db, ADMIN, { role: "admin", email: null, ttlMs: 60_000 }, Date.now());
    const extra = await redeem(t, { ...account(token, "extra@example.com"), role: "admin" });
    expect(extra.status).toBe(400);
    const missing = await redeem(t, { token });
    expect(missing.status).toBe(400);
    expect(Object.keys(missing.body.fieldErrors).sort()).toEqual(["email", "name", "password"]);
    // Keys that are Object.prototype's own names are named like any other, not a 500.
    for (const key of ["constructor", "hasOwnProperty", "toString"]) {
      const odd = await redeem(t, { ...account(token, "odd@example.com"), [key]: 1 });
      expect(odd.status, key).toBe(400);
      expect(Object.keys(odd.body.fieldErrors), key).toEqual([key]);
    }
    const notJson = await fetch(`${t.base}/api/setup`, { method: "POST", headers: { "content-type": "application/json", origin: t.base }, body: "{" });
    expect(notJson.status).toBe(400);
    expect((await read(t, token)).status).toBe(200);
  });
});

describe("first-run links from several starts (instances on one database)", { timeout: 30_000 }, () => {
  let t: Tally;
  beforeAll(async () => {
    t = await startTally();
  });
  afterAll(() => t.close());

  it("every printed link works until the first admin exists; then none does, and two used at once make one admin", async () => {
    const now = Date.now();
    // Three starts, as three instances print them: the first one printed still works after the later starts.
    const links = [(await firstRunToken(t.db, now))!, (await firstRunToken(t.db, now + 1))!, (await firstRunToken(t.db, now + 2))!];
    for (const link of links) expect((await read(t, link)).body).toMatchObject({ role: "admin", email: null });
    const both = await Promise.all([redeem(t, account(links[0]!, "a@example.com")), redeem(t, account(links[2]!, "b@example.com"))]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 400]);
    expect(await t.db.selectFrom("auth_user").select("email").execute()).toHaveLength(1);
    for (const link of links) {
      const r = await redeem(t, account(link, "late@example.com"));
      expect(r.status).toBe(400);
      expect(r.body.fieldErrors.token[0]).toMatch(/used/);
    }
    expect(await firstRunToken(t.db, now + 3)).toBeNull();
  });
});


describe("a first-run link once an account exists another way", { timeout: 30_000 }, () => {
  it("is void: TALLY_INIT_ADMIN_* made the first admin, so the link printed before makes no second one", async () => {
    const first = await startTally();
    const link = (await firstRunToken(first.db, Date.now()))!;
    // A restart (here a second instance on the same database) with the headless admin settings.
    const second = await startTally({ TALLY_INIT_ADMIN_EMAIL: "ops@example.com", TALLY_INIT_ADMIN_PASSWORD: PASSWORD }, {}, first.dbFile);
    try {
      const offered = await read(second, link);
      expect(offered.status).toBe(400);
      expect(offered.body.fieldErrors.token[0]).toBe(FIRST_RUN_OVER);
      const taken = await redeem(second, account(link, "mallory@example.com"));
      expect(taken.status).toBe(400);
      expect(taken.body.fieldErrors.token[0]).toBe(FIRST_RUN_OVER);
      expect(await second.db.selectFrom("auth_user").select(["email", "role"]).execute()).toEqual([{ email: "ops@example.com", role: "admin" }]);
      // The account check is repeated where the account is made, in its transaction (a link read just before
      // another account appears cannot make a second one).
      const late = createPasswordUser(second.db, SYSTEM, { email: "late@example.com", name: "Late", role: "admin", password: PASSWORD, onlyFirst: true }, Date.now());
      await expect(late).rejects.toThrow(FIRST_RUN_OVER);
      expect(await userCount(second.db)).toBe(1);
    } finally {
      await second.close();
      await first.close();
    }
  });
});
