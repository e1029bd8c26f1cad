import { createHash } from "node:crypto";
import { readFileSync, existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUTH, startTally, type Tally } from "./harness.ts";
import { type Answer, auditRows, call, data, type Headers, keyFor, PASSWORD, sessionFor, signIn, snapshot } from "./access-client.ts";
import type { Json } from "./json.ts";

// Issue 16: users, roles and API keys through the admin procedures over HTTP, each change in the audit log
// (who, before, after) in its own transaction; a refused change leaves everything as it was.

const DAY = 86_400_000;
const BOSS = "boss@admin.test";

describe("users and API keys, managed by an admin", () => {
  let tally: Tally;
  let boss: Headers;
  let bossId: string;

  const mutate = (path: string, input: unknown, headers: Headers = boss) => call(tally, path, "mutation", input, headers);
  const query = (path: string, input: unknown, headers: Headers = boss) => call(tally, path, "query", input, headers);
  const me = (headers: Headers) => query("system.me", undefined, headers);
  const userId = async (email: string) => (await tally.db.selectFrom("auth_user").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;
  const priceInput = { model: "gpt-4o", inputMicrosPerMtok: 2_500_000, outputMicrosPerMtok: 10_000_000, effectiveFrom: 0 };

  /** Runs a successful mutation and returns the one audit row it added; earlier rows must stay as they were. */
  async function audited(run: () => Promise<unknown>) {
    const before = await auditRows(tally);
    await run();
    const after = await auditRows(tally);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.length - before.length, "audit rows added").toBe(1);
    return after[after.length - 1]!;
  }

  /** A refused mutation: a 400 naming `field`, and no table (audit log included) changed. */
  async function refused(field: string, run: () => Promise<Answer>) {
    const before = await snapshot(tally);
    const a = await run();
    expect(a.status, JSON.stringify(a.body)).toBe(400);
    expect(Object.keys(a.body.error.data.zodError.fieldErrors)).toEqual([field]);
    expect(await snapshot(tally)).toEqual(before);
  }

  beforeAll(async () => {
    tally = await startTally();
    boss = await sessionFor(tally, "admin", BOSS);
    bossId = await userId(BOSS);
  }, 60_000);
  afterAll(() => tally.close());

  it("invites by email and role: the setup link creates that account, which signs in with that role", async () => {
    const t0 = Date.now();
    let invite: Json;
    const row = await audited(async () => (invite = await data(tally, "users.invite", "mutation", { email: "  New.Person@Example.COM ", role: "finance" }, boss)));
    expect(invite).toMatchObject({ email: "new.person@example.com", role: "finance", path: `/setup?token=${encodeURIComponent(invite.token)}` });
    expect(invite.expiresAt).toBeGreaterThanOrEqual(t0 + 7 * DAY);
    expect(invite.expiresAt).toBeLessThanOrEqual(Date.now() + 7 * DAY);
    expect(row).toMatchObject({ actor_type: "user", actor_id: bossId, actor_label: BOSS, action: "users.invite", target: "user:new.person@example.com", before: null });
    expect(row.after).toEqual({ email: "new.person@example.com", role: "finance", expiresAt: invite.expiresAt });
    // Only the token's hash is kept.
    expect(JSON.stringify(await tally.db.selectFrom("setup_tokens").selectAll().execute())).not.toContain(invite.token);

    const offer = await fetch(`${tally.base}/api/setup?token=${encodeURIComponent(invite.token)}`);
    expect(await offer.json()).toMatchObject({ role: "finance", email: "new.person@example.com" });
    const setup = (email: string) =>
      fetch(`${tally.base}/api/setup`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: tally.base },
        body: JSON.stringify({ token: invite.token, email, name: "New Person", password: PASSWORD }),
      });
    expect((await setup("someone.else@example.com")).status).toBe(400);
    expect((await setup("new.person@example.com")).status).toBe(201);

    const signedIn = await signIn(tally, "new.person@example.com");
    expect(signedIn.status).toBe(200);
    expect((await me(signedIn.headers!)).body.result.data).toMatchObject({ kind: "user", label: "new.person@example.com", role: "finance" });
    const listed = (await data(tally, "users.list", "query", undefined, boss)) as Json[];
    expect(listed.find((u) => u.email === "new.person@example.com")).toMatchObject({ name: "New Person", role: "finance", signInMethods: ["credential"] });
  });

  it("refuses an invitation for an email that has an account, an unknown role or a bad address (400 naming the field, nothing written)", async () => {
    await refused("email", () => mutate("users.invite", { email: BOSS.toUpperCase(), role: "viewer" }));
    await refused("role", () => mutate("users.invite", { email: "fresh@example.com", role: "owner" }));
    await refused("email", () => mutate("users.invite", { email: "not an address", role: "viewer" }));
  });

  it("a role change counts at once for the user's open session", async () => {
    const viewer = await sessionFor(tally, "viewer", "changing@example.com");
    const id = await userId("changing@example.com");
    expect((await mutate("prices.upsert", priceInput, viewer)).status).toBe(403);
    const row = await audited(async () => expect(await data(tally, "users.setRole", "mutation", { userId: id, role: "finance" }, boss)).toMatchObject({ id, role: "finance" }));
    expect(row).toMatchObject({ actor_label: BOSS, action: "users.setRole", target: "user:changing@example.com", before: { role: "viewer" }, after: { role: "finance" } });
    expect((await me(viewer)).body.result.data.role).toBe("finance");
    expect((await mutate("prices.upsert", priceInput, viewer)).status).toBe(200);
    await audited(() => data(tally, "users.setRole", "mutation", { userId: id, role: "viewer" }, boss));
    expect((await mutate("prices.upsert", priceInput, viewer)).status).toBe(403);
    await refused("role", () => mutate("users.setRole", { userId: id, role: "superuser" }));
    await refused("userId", () => mutate("users.setRole", { userId: "no-such-user", role: "viewer" }));
  });

  it("removing a user ends their session at once and for good", async () => {
    const gone = await sessionFor(tally, "reviewer", "leaving@example.com");
    const id = await userId("leaving@example.com");
    expect((await me(gone)).status).toBe(200);
    const row = await audited(async () => expect((await mutate("users.remove", { userId: id })).body.result.data).toEqual({ ok: true }));
    expect(row).toMatchObject({ actor_label: BOSS, action: "users.remove", target: "user:leaving@example.com", after: null });
    expect(row.before).toMatchObject({ email: "leaving@example.com", role: "reviewer" });
    expect((await me(gone)).status).toBe(401);
    expect(await tally.db.selectFrom("auth_session").select("id").where("userId", "=", id).execute()).toEqual([]);
    expect((await signIn(tally, "leaving@example.com")).status).toBe(401);
    await refused("userId", () => mutate("users.remove", { userId: id }));
  });

  it("keeps the last admin: no demotion, no removal (not by a key, not by themselves)", async () => {
    await refused("role", () => mutate("users.setRole", { userId: bossId, role: "finance" }, AUTH));
    await refused("userId", () => mutate("users.remove", { userId: bossId }, AUTH));
    await refused("userId", () => mutate("users.remove", { userId: bossId }));
    expect((await me(boss)).body.result.data.role).toBe("admin");
    // With a second admin, the first may step down (and is restored after).
    const other = await userId("new.person@example.com");
    await audited(() => data(tally, "users.setRole", "mutation", { userId: other, role: "admin" }, AUTH));
    await audited(() => data(tally, "users.setRole", "mutation", { userId: bossId, role: "finance" }, AUTH));
    expect((await query("users.list", undefined)).status).toBe(403);
    await audited(() => data(tally, "users.setRole", "mutation", { userId: bossId, role: "admin" }, AUTH));
    await audited(() => data(tally, "users.setRole", "mutation", { userId: other, role: "finance" }, AUTH));
  });

  it("an API key's secret is shown once, stored as its SHA-256 only; last use is noted; a revoked key gets 401", async () => {
    const t0 = Date.now();
    let created: Json;
    const row = await audited(async () => (created = await data(tally, "apiKeys.create", "mutation", { name: "  BI tool  ", role: "viewer" }, boss)));
    const { key, secret } = created;
    expect(secret).toMatch(/^tally_[A-Za-z0-9_-]{43}$/);
    expect(key).toMatchObject({ name: "BI tool", role: "viewer", prefix: secret.slice(0, 10), createdBy: BOSS, lastUsedAt: null, revokedAt: null });
    expect(row).toMatchObject({ actor_label: BOSS, action: "apiKeys.create", target: `api_key:${key.id}`, before: null, after: key });
    expect(JSON.stringify(row)).not.toContain(secret);

    const listed = await query("apiKeys.list", undefined);
    expect(JSON.stringify(listed.body)).not.toContain(secret.slice(10));
    const stored = await tally.db.selectFrom("api_keys").selectAll().where("id", "=", key.id).executeTakeFirstOrThrow();
    expect(stored.key_hash).toBe(createHash("sha256").update(secret).digest("hex"));
    expect(JSON.stringify(stored)).not.toContain(secret.slice(10));
    for (const file of [tally.dbFile, `${tally.dbFile}-wal`].filter(existsSync)) expect(readFileSync(file).includes(secret.slice(10)), file).toBe(false);

    const bearer = { authorization: `Bearer ${secret}` };
    expect((await me(bearer)).body.result.data).toMatchObject({ kind: "api_key", id: key.id, label: "BI tool", role: "viewer" });
    const used = ((await query("apiKeys.list", undefined)).body.result.data as Json[]).find((k) => k.id === key.id);
    expect(used.lastUsedAt).toBeGreaterThanOrEqual(t0);
    expect(used.lastUsedAt).toBeLessThanOrEqual(Date.now());

    const revoked = await audited(async () => expect((await data(tally, "apiKeys.revoke", "mutation", { id: key.id }, boss)).revokedAt).toBeGreaterThanOrEqual(t0));
    expect(revoked).toMatchObject({ action: "apiKeys.revoke", before: { id: key.id, revokedAt: null }, after: { id: key.id } });
    expect(revoked.after.revokedAt).toBeGreaterThanOrEqual(t0);
    expect((await me(bearer)).status).toBe(401);
    expect((await fetch(`${tally.base}/api/export/runs.csv?input=${encodeURIComponent(JSON.stringify({ from: 0, to: DAY }))}`, { headers: bearer })).status).toBe(401);
    // Revoking again changes and records nothing.
    const before = await snapshot(tally);
    expect((await mutate("apiKeys.revoke", { id: key.id })).status).toBe(200);
    expect(await snapshot(tally)).toEqual(before);
  });

  it("refuses a key without a usable name or with an unknown role (400 naming the field, nothing written)", async () => {
    for (const name of ["", "   ", "x".repeat(101), "a\u0000b", "\u200B\u200B", "\uD800"]) {
      await refused("name", () => mutate("apiKeys.create", { name, role: "viewer" }));
    }
    await refused("role", () => mutate("apiKeys.create", { name: "ok", role: "root" }));
    await refused("id", () => mutate("apiKeys.revoke", { id: "no-such-key" }));
    expect((await data(tally, "apiKeys.create", "mutation", { name: "x".repeat(100), role: "finance" }, boss)).key.name).toHaveLength(100);
  });

  it("a finance user changes prices and budgets (recorded); a viewer gets 403 and nothing changes", async () => {
    const finance = await sessionFor(tally, "finance", "money@example.com");
    const price = await audited(() => data(tally, "prices.upsert", "mutation", { ...priceInput, model: "finance-model" }, finance));
    expect(price).toMatchObject({ actor_label: "money@example.com", action: "prices.upsert", before: null, after: { model: "finance-model", inputMicrosPerMtok: 2_500_000 } });
    const budget = await audited(() => data(tally, "customers.upsert", "mutation", { id: "acme", name: "Acme", monthlyBudgetMicros: 7_000_000 }, finance));
    expect(budget).toMatchObject({ actor_label: "money@example.com", action: "customers.upsert", target: "customer:acme", before: null, after: { monthlyBudgetMicros: 7_000_000 } });

    for (const viewer of [await sessionFor(tally, "viewer", "looker@example.com"), await keyFor(tally, "viewer")]) {
      const before = await snapshot(tally);
      expect((await mutate("prices.upsert", { ...priceInput, model: "finance-model", inputMicrosPerMtok: 0 }, viewer)).status).toBe(403);
      expect((await mutate("customers.upsert", { id: "acme", name: "Acme", monthlyBudgetMicros: 1 }, viewer)).status).toBe(403);
      expect(await snapshot(tally)).toEqual(before);
    }
    const acme = await tally.db.selectFrom("customers").selectAll().where("id", "=", "acme").executeTakeFirstOrThrow();
    expect(acme.monthly_budget_micros).toBe(7_000_000);
  });
});
