import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { limiterAddress } from "../src/auth/access.ts";
import { countAttempt, settleAttempt } from "../src/auth/sign-in-limit.ts";
import { addUser, PASSWORD, post, session, signIn } from "./auth-client.ts";
import { startTally, type Tally } from "./harness.ts";

const WRONG = "not the password, sorry";
const FIFTEEN_MIN_S = 15 * 60;

async function answer(res: Response) {
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.text() };
}

describe("failed sign-ins, per account and per address", { timeout: 60_000 }, () => {
  let t: Tally;
  beforeAll(async () => {
    // Behind a proxy, so each test can come from its own address (X-Forwarded-For's last entry).
    t = await startTally({ TALLY_TRUST_PROXY: "1" });
    for (const who of ["ann", "bob", "cat", "dan", "eve"]) await addUser(t, `${who}@example.com`);
  });
  afterAll(() => t.close());
  const from = (ip: string) => ({ "x-forwarded-for": ip });

  it("5 failures for one account: then 429 with Retry-After (15 min), even with the right password", async () => {
    for (let i = 0; i < 5; i++) expect((await signIn(t, "ann@example.com", WRONG, from("198.51.100.1"))).status).toBe(401);
    const blocked = await answer(await signIn(t, "ann@example.com", PASSWORD, from("198.51.100.1")));
    expect(blocked.status).toBe(429);
    expect(Number(blocked.retryAfter)).toBeGreaterThan(FIFTEEN_MIN_S - 30);
    expect(Number(blocked.retryAfter)).toBeLessThanOrEqual(FIFTEEN_MIN_S);
    // The limit is the account's: another address does not get round it.
    expect((await signIn(t, "ann@example.com", PASSWORD, from("198.51.100.2"))).status).toBe(429);
    // Another account from the same address is unaffected.
    expect((await signIn(t, "bob@example.com", PASSWORD, from("198.51.100.1"))).status).toBe(200);
  });

  it("a success clears the account's count", async () => {
    for (let i = 0; i < 4; i++) expect((await signIn(t, "cat@example.com", WRONG, from("198.51.100.3"))).status).toBe(401);
    expect((await signIn(t, "cat@example.com", PASSWORD, from("198.51.100.3"))).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await signIn(t, "cat@example.com", WRONG, from("198.51.100.3"))).status).toBe(401);
    expect((await signIn(t, "cat@example.com", PASSWORD, from("198.51.100.3"))).status).toBe(200);
  });

  it("an email with no account counts the same, and the answers do not tell the two apart", async () => {
    const ip = from("198.51.100.4");
    const known: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 5; i++) {
      known.push((await answer(await signIn(t, "dan@example.com", WRONG, ip))).body);
      unknown.push((await answer(await signIn(t, "nobody@example.com", WRONG, ip))).body);
    }
    expect(new Set([...known, ...unknown]).size).toBe(1);
    const [k, u] = [await answer(await signIn(t, "dan@example.com", WRONG, ip)), await answer(await signIn(t, "nobody@example.com", WRONG, ip))];
    expect([k.status, u.status]).toEqual([429, 429]);
    expect(k.body).toBe(u.body);
    expect(k.body).not.toMatch(/dan|nobody|exist|unknown|no account/i);
  });

  it("30 failures from one address block every account from it, and no other address", async () => {
    const ip = from("198.51.100.5");
    for (let i = 0; i < 30; i++) expect((await signIn(t, `spray${i % 6}@example.com`, WRONG, ip)).status).toBe(401);
    expect((await signIn(t, "eve@example.com", PASSWORD, ip)).status).toBe(429);
    expect((await signIn(t, "eve@example.com", PASSWORD, from("198.51.100.6"))).status).toBe(200);
  });

  it("IPv6 addresses count by their /64: a fresh address in the same network does not get round the limit", async () => {
    for (let i = 0; i < 30; i++) {
      expect((await signIn(t, `v6spray${i % 6}@example.com`, WRONG, from(`2001:db8:77:1::${(i + 1).toString(16)}`))).status).toBe(401);
    }
    expect((await signIn(t, "eve@example.com", PASSWORD, from("2001:db8:77:1:ffff:ffff:ffff:fffe"))).status).toBe(429);
    expect((await signIn(t, "eve@example.com", PASSWORD, from("2001:db8:77:2::1"))).status).toBe(200);
  });

  it("attempts sent at once are counted before their passwords are checked: 5 are judged, the rest get 429", async () => {
    const all = await Promise.all(Array.from({ length: 12 }, () => signIn(t, "flood@example.com", WRONG, from("198.51.100.7"))));
    const statuses = all.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(7).fill(429)]);
  });

  it("a wrong current password in a password change counts as a failure of that account", async () => {
    await addUser(t, "fay@example.com");
    const { cookie } = await session(t, "fay@example.com");
    const change = () => post(t, "/api/auth/change-password", { currentPassword: WRONG, newPassword: "a brand new passphrase 42" }, { cookie, ...from("198.51.100.8") });
    for (let i = 0; i < 5; i++) expect((await change()).status).toBe(400);
    expect((await change()).status).toBe(429);
    expect((await signIn(t, "fay@example.com", PASSWORD, from("198.51.100.9"))).status).toBe(429);
  });
});

describe("without TALLY_TRUST_PROXY, X-Forwarded-For is not the address", { timeout: 60_000 }, () => {
  let t: Tally;
  beforeAll(async () => {
    t = await startTally();
  });
  afterAll(() => t.close());

  it("a client cannot spread its failures over forged addresses", async () => {
    for (let i = 0; i < 30; i++) {
      expect((await signIn(t, `spray${i % 6}@example.com`, WRONG, { "x-forwarded-for": `203.0.113.${i}` })).status).toBe(401);
    }
    expect((await signIn(t, "another@example.com", WRONG, { "x-forwarded-for": "203.0.113.200" })).status).toBe(429);
  });
});

describe("the 15-minute window (clock passed in)", () => {
  let t: Tally;
  beforeAll(async () => {
    t = await startTally();
  });
  afterAll(() => t.close());
  const T0 = Date.UTC(2026, 0, 1, 9, 0, 0);
  const MIN = 60_000;

  it("blocks from the 6th attempt until 15 min after the first failure, then starts over", async () => {
    const fail = async (now: number) => {
      const wait = await countAttempt(t.db, "gil@example.com", "192.0.2.1", now);
      if (wait === null) await settleAttempt(t.db, "gil@example.com", "192.0.2.1", "failed");
      return wait;
    };
    for (let i = 0; i < 5; i++) expect(await fail(T0 + i * MIN)).toBeNull();
    expect(await fail(T0 + 5 * MIN)).toBe(10 * 60);
    expect(await fail(T0 + 15 * MIN - 1000)).toBe(1);
    // The window ends 15 min after its first failure: a new one starts with this failure.
    expect(await fail(T0 + 15 * MIN)).toBeNull();
    for (let i = 1; i < 5; i++) expect(await fail(T0 + 15 * MIN + i)).toBeNull();
    expect(await fail(T0 + 16 * MIN)).toBe(14 * 60);
  });

  it("an attempt that succeeded or was not judged is taken back", async () => {
    for (let i = 0; i < 10; i++) {
      expect(await countAttempt(t.db, "hal@example.com", "192.0.2.2", T0 + i)).toBeNull();
      await settleAttempt(t.db, "hal@example.com", "192.0.2.2", i % 2 ? "unjudged" : "succeeded");
    }
    const rows = await t.db.selectFrom("sign_in_failures").selectAll().where("key", "in", ["email:hal@example.com", "ip:192.0.2.2"]).execute();
    expect(rows.map((r) => r.failures).filter((n) => n > 0)).toEqual([]);
  });
});

describe("the address the limits count by", () => {
  it("is IPv4 as is, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64 network", () => {
    const cases: [string, string][] = [
      ["203.0.113.7", "203.0.113.7"],
      ["::ffff:203.0.113.7", "203.0.113.7"],
      ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
      ["2001:0DB8:0001:0002::9", "2001:db8:1:2::/64"],
      ["2001:db8::1", "2001:db8:0:0::/64"],
      ["2001:db8::1:2:3:4:5", "2001:db8:0:1::/64"],
      ["::1", "0:0:0:0::/64"],
      ["2001:db8:1:2::ffff:1.2.3.4", "2001:db8:1:2::/64"],
      ["unknown", "unknown"],
    ];
    for (const [ip, key] of cases) expect(limiterAddress(ip), ip).toBe(key);
  });
});
