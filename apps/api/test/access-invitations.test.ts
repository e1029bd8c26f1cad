import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPasswordUser } from "../src/auth/accounts.ts";
import { SYSTEM } from "../src/auth/principal.ts";
import { startTally, type Tally } from "./harness.ts";
import { auditRows, call, data, type Headers, PASSWORD, sessionFor, signIn } from "./access-client.ts";
import type { Json } from "./json.ts";

// Pending invitations: only the latest link for an email works, an admin sees and revokes them, and removing a
// user voids any left for their email (an older admin link once let a removed viewer back in as admin).

describe("pending invitations", () => {
  let tally: Tally;
  let boss: Headers;
  const invite = (email: string, role: string) => data(tally, "users.invite", "mutation", { email, role }, boss) as Promise<Json>;
  const pending = async () => ((await data(tally, "users.invitations", "query", undefined, boss)) as Json[]).map((i) => [i.email, i.role]);
  const offer = (token: string) => fetch(`${tally.base}/api/setup?token=${encodeURIComponent(token)}`);
  const redeem = (token: string, email: string) =>
    fetch(`${tally.base}/api/setup`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: tally.base },
      body: JSON.stringify({ token, email, name: "Invited", password: PASSWORD }),
    });

  beforeAll(async () => {
    tally = await startTally();
    boss = await sessionFor(tally, "admin", "boss@invitations.test");
  }, 60_000);
  afterAll(() => tally.close());

  it("a second invitation for an email replaces the first: the earlier link and its role stop working", async () => {
    const asAdmin = await invite("bob@invitations.test", "admin");
    const asViewer = await invite("bob@invitations.test", "viewer");
    expect(await pending()).toEqual([["bob@invitations.test", "viewer"]]);
    expect((await offer(asAdmin.token)).status).toBe(400);
    expect((await redeem(asAdmin.token, "bob@invitations.test")).status).toBe(400);
    expect((await redeem(asViewer.token, "bob@invitations.test")).status).toBe(201);
    const bob = await signIn(tally, "bob@invitations.test");
    expect((await call(tally, "system.me", "query", undefined, bob.headers!)).body.result.data.role).toBe("viewer");
    expect(await pending()).toEqual([]);
  });

  it("an admin revokes a pending invitation (audited); its link stops working, and a second revoke is a 400 on email", async () => {
    const link = await invite("carol@invitations.test", "finance");
    const before = (await auditRows(tally)).length;
    expect(await data(tally, "users.revokeInvitation", "mutation", { email: "Carol@Invitations.test" }, boss)).toEqual({ ok: true });
    const rows = await auditRows(tally);
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)).toMatchObject({ action: "users.revokeInvitation", target: "user:carol@invitations.test", before: { email: "carol@invitations.test", role: "finance" }, after: null });
    expect((await offer(link.token)).status).toBe(400);
    expect(await pending()).toEqual([]);
    const again = await call(tally, "users.revokeInvitation", "mutation", { email: "carol@invitations.test" }, boss);
    expect(again.status).toBe(400);
    expect(Object.keys(again.body.error.data.zodError.fieldErrors)).toEqual(["email"]);
  });

  it("removing a user voids an invitation still pending for their email", async () => {
    const link = await invite("dave@invitations.test", "admin");
    // The account came another way (SSO, say) while the invitation was still pending.
    const dave = await createPasswordUser(tally.db, SYSTEM, { email: "dave@invitations.test", name: "Dave", role: "viewer", password: PASSWORD }, Date.now());
    expect(await pending()).toEqual([["dave@invitations.test", "admin"]]);
    expect(await data(tally, "users.remove", "mutation", { userId: dave.id }, boss)).toEqual({ ok: true });
    expect(await pending()).toEqual([]);
    expect((await redeem(link.token, "dave@invitations.test")).status).toBe(400);
    expect((await signIn(tally, "dave@invitations.test")).status).toBe(401);
  });

  it("only admins see and revoke invitations", async () => {
    await invite("erin@invitations.test", "viewer");
    const finance = await sessionFor(tally, "finance", "finance@invitations.test");
    expect((await call(tally, "users.invitations", "query", undefined, finance)).status).toBe(403);
    expect((await call(tally, "users.revokeInvitation", "mutation", { email: "erin@invitations.test" }, finance)).status).toBe(403);
    expect(await pending()).toEqual([["erin@invitations.test", "viewer"]]);
  });
});
