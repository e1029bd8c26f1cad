import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeUser } from "../src/auth/accounts.ts";
import { revokeApiKey } from "../src/auth/api-keys.ts";
import { connect } from "@tally/shared/db";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { initAccess } from "../src/auth/access.ts";
import { createApp } from "../src/app.ts";
import { readEnv } from "../src/env.ts";
import { createHttpServer } from "../src/server.ts";
import { addUser, me, post, session, signIn } from "./auth-client.ts";

const INIT = {
  TALLY_INIT_ADMIN_EMAIL: "ops@example.com",
  TALLY_INIT_ADMIN_PASSWORD: "initial passphrase 123",
  TALLY_INIT_API_KEY: "ops_key_for_automation_0123456789abcdef",
};
const BEARER = { authorization: `Bearer ${INIT.TALLY_INIT_API_KEY}` };

/** The app on one database, started as a restart would: createApp with the same configuration. */
async function start(dbFile: string) {
  const app = await createApp(readEnv({ INNGEST_DEV: "1", DATABASE_URL: dbFile, ...INIT }));
  const server = createHttpServer(app);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    base,
    db: app.db,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await app.close();
    },
  };
}

describe("TALLY_INIT_ADMIN_* and TALLY_INIT_API_KEY across restarts", { timeout: 60_000 }, () => {
  let dir: string;
  let dbFile: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tally-init-"));
    dbFile = await testDatabaseUrl({ file: join(dir, "tally.db") });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const audits = async (t: { db: Awaited<ReturnType<typeof start>>["db"] }) =>
    (await t.db.selectFrom("audit_log").select(["action", "target", "actor_type"]).orderBy("id").execute()).map((r) => `${r.actor_type} ${r.action} ${r.target}`);

  it("creates the admin and the key once: a restart creates neither again", async () => {
    let t = await start(dbFile);
    expect((await me(t, await session(t, INIT.TALLY_INIT_ADMIN_EMAIL, INIT.TALLY_INIT_ADMIN_PASSWORD))).body.result.data).toMatchObject({ kind: "user", role: "admin" });
    expect((await me(t, BEARER)).body.result.data).toMatchObject({ kind: "api_key", role: "admin", label: "TALLY_INIT_API_KEY" });
    const first = await audits(t);
    expect(first.filter((a) => a.startsWith("system users.create") || a.startsWith("system apiKeys.create"))).toHaveLength(2);
    await t.close();

    t = await start(dbFile);
    expect(await audits(t)).toEqual(first);
    expect(await t.db.selectFrom("auth_user").select("email").execute()).toEqual([{ email: INIT.TALLY_INIT_ADMIN_EMAIL }]);
    expect(await t.db.selectFrom("api_keys").select("name").execute()).toEqual([{ name: "TALLY_INIT_API_KEY" }]);
    expect((await me(t, BEARER)).status).toBe(200);
    await t.close();
  });

  it("a password the admin changed stays changed after a restart", async () => {
    let t = await start(dbFile);
    const { cookie } = await session(t, INIT.TALLY_INIT_ADMIN_EMAIL, INIT.TALLY_INIT_ADMIN_PASSWORD);
    const changed = await post(t, "/api/auth/change-password", { currentPassword: INIT.TALLY_INIT_ADMIN_PASSWORD, newPassword: "the admin's own passphrase" }, { cookie });
    expect(changed.status).toBe(200);
    await t.close();

    t = await start(dbFile);
    expect((await signIn(t, INIT.TALLY_INIT_ADMIN_EMAIL, INIT.TALLY_INIT_ADMIN_PASSWORD)).status).toBe(401);
    expect((await signIn(t, INIT.TALLY_INIT_ADMIN_EMAIL, "the admin's own passphrase")).status).toBe(200);
    await t.close();
  });

  it("a removed admin and a revoked key stay gone after a restart", async () => {
    let t = await start(dbFile);
    await addUser(t, "boss@example.com", "admin");
    const boss = { kind: "user" as const, id: "boss", label: "boss@example.com", role: "admin" as const };
    const ops = await t.db.selectFrom("auth_user").select("id").where("email", "=", INIT.TALLY_INIT_ADMIN_EMAIL).executeTakeFirstOrThrow();
    await removeUser(t.db, boss, ops.id, Date.now());
    const key = await t.db.selectFrom("api_keys").select("id").executeTakeFirstOrThrow();
    await revokeApiKey(t.db, boss, key.id, Date.now());
    expect((await me(t, BEARER)).status).toBe(401);
    await t.close();

    t = await start(dbFile);
    expect(await t.db.selectFrom("auth_user").select("email").execute()).toEqual([{ email: "boss@example.com" }]);
    expect((await signIn(t, INIT.TALLY_INIT_ADMIN_EMAIL, INIT.TALLY_INIT_ADMIN_PASSWORD)).status).toBe(401);
    expect((await me(t, BEARER)).status).toBe(401);
    await t.close();
  });
});

describe("two servers starting at once on one new database", { timeout: 60_000 }, () => {
  it("both start, and the admin and the key are made once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tally-init-race-"));
    const dbFile = await testDatabaseUrl({ file: join(dir, "tally.db") });
    try {
      // Migrate first (two processes migrating one fresh database at once is a separate, known limit).
      await (await connect({ url: dbFile })).destroy();
      const env = readEnv({ INNGEST_DEV: "1", DATABASE_URL: dbFile, ...INIT });
      const dbs = await Promise.all([connect({ url: dbFile }), connect({ url: dbFile })]);
      const made = await Promise.all(dbs.map((db) => initAccess(db, env, Date.now())));
      expect(made.flat().sort()).toEqual(["admin API key created (TALLY_INIT_API_KEY)", `admin ${INIT.TALLY_INIT_ADMIN_EMAIL} created (TALLY_INIT_ADMIN_EMAIL)`]);
      const count = async (table: "auth_user" | "api_keys") => Number((await dbs[0]!.selectFrom(table).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
      expect([await count("auth_user"), await count("api_keys")]).toEqual([1, 1]);
      for (const db of dbs) await db.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
