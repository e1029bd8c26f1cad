import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Role } from "@tally/shared";
import type { Browser, BrowserContextOptions } from "playwright-core";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type Db } from "@tally/shared/db";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { type App, createApp } from "../../api/src/app.ts";
import { readEnv } from "../../api/src/env.ts";
import { createHttpServer } from "../../api/src/server.ts";
import { seed, type SeedSummary } from "./seed.ts";
import { signInThroughPage } from "./sign-in.ts";

const WEB = resolve(fileURLToPath(new URL("..", import.meta.url)));

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((m, f) => Math.max(m, newestMtime(join(path, f))), st.mtimeMs);
}

/** Builds apps/web when dist is missing or older than its sources (or when TALLY_E2E_REBUILD=1). */
export function ensureBuilt(): void {
  const index = join(WEB, "dist", "index.html");
  const sources = Math.max(newestMtime(join(WEB, "src")), newestMtime(join(WEB, "index.html")), newestMtime(join(WEB, "vite.config.ts")));
  if (existsSync(index) && statSync(index).mtimeMs >= sources && process.env.TALLY_E2E_REBUILD !== "1") return;
  execFileSync(process.execPath, [join(WEB, "..", "..", "node_modules", "vite", "bin", "vite.js"), "build"], {
    cwd: WEB,
    stdio: "inherit",
    // vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: "production" },
  });
}

export interface Account {
  email: string;
  name: string;
  role: Role;
  password: string;
}

/** The first admin, made at start by TALLY_INIT_ADMIN_EMAIL / _PASSWORD (the operator's headless path). */
export const E2E_ADMIN: Account = { email: "admin@tally.test", name: "E2E Admin", role: "admin", password: "e2e-admin-pass-0123" };
/** An admin API key, made at start by TALLY_INIT_API_KEY: what scripts and `query` use. */
export const E2E_API_KEY = "tally_e2e_admin_key_0123456789abcdefghijkl";
export const E2E_AUTH = { authorization: `Bearer ${E2E_API_KEY}` };

export type StorageState = Exclude<BrowserContextOptions["storageState"], string | undefined>;

export interface RunningServer {
  url: string;
  /** The API's database (DATABASE_URL): a SQLite file, or with TALLY_TEST_ENGINE=postgres a PostgreSQL database's URL. Tests `connect({ url: dbUrl })` to seed or check. */
  dbUrl: string;
  seeded: SeedSummary;
  /** Stops the API as a crash would: connections dropped, database closed; the data stays. */
  stop: () => Promise<void>;
  /** Starts the API again on the same port and database (nothing if it is running). */
  start: () => Promise<void>;
  close: () => Promise<void>;
  /** A tRPC query's answer, as the dashboard gets it (GET `?input=`, with the admin API key); throws on an error answer. */
  query: <T>(path: string, input: unknown) => Promise<T>;
  /** A new account with this role, made as a team makes one: an admin's invitation (users.invite), redeemed at POST /api/setup. */
  createAccount: (role: Role, email?: string) => Promise<Account>;
  /** Signs in through the real /sign-in page (as the admin unless told) and hands back the session, for `browser.newContext({ storageState })`. */
  signedIn: (browser: Browser, account?: Pick<Account, "email" | "password">) => Promise<StorageState>;
}

/**
 * The real API (createApp + createHttpServer, serving the built app) on 127.0.0.1 with a database of its
 * own from @tally/shared/db/testing (a temporary SQLite file, or a new PostgreSQL database when
 * TALLY_TEST_ENGINE=postgres), seeded through the production write path: the demo seed, or `seedWith`.
 * `copyOf` (scripts only) starts on a copy of an existing SQLite file instead.
 */
export async function startServer(
  opts: { runs?: number; days?: number; seedWith?: (db: Db) => Promise<SeedSummary>; copyOf?: string; env?: Record<string, string> } = {},
): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), "tally-e2e-"));
  let dbUrl: string;
  let seeded: SeedSummary;
  if (opts.copyOf) {
    // An existing SQLite database (e.g. a benchmark's), copied so the original is never written.
    dbUrl = join(dir, "tally.db");
    copyFileSync(opts.copyOf, dbUrl);
    seeded = { runs: -1, now: Date.now(), runIds: [] };
  } else {
    dbUrl = await testDatabaseUrl({ file: join(dir, "tally.db") });
    const seedDb = await connect({ url: dbUrl });
    try {
      seeded = opts.seedWith ? await opts.seedWith(seedDb) : await seed(seedDb, { runs: opts.runs ?? 360, ...(opts.days ? { days: opts.days } : {}) });
    } finally {
      await seedDb.destroy();
    }
  }

  const env = readEnv({
    INNGEST_DEV: "1",
    DATABASE_URL: dbUrl,
    PORT: "0",
    HOST: "127.0.0.1",
    TALLY_INIT_ADMIN_EMAIL: E2E_ADMIN.email,
    TALLY_INIT_ADMIN_PASSWORD: E2E_ADMIN.password,
    TALLY_INIT_ADMIN_NAME: E2E_ADMIN.name,
    TALLY_INIT_API_KEY: E2E_API_KEY,
    ...opts.env,
  });
  let running: { app: App; server: Server } | null = null;
  let port = 0;
  const start = async () => {
    if (running) return;
    const app = await createApp(env);
    const server = createHttpServer(app);
    await new Promise<void>((ok, fail) => {
      server.once("error", fail);
      server.listen(port, "127.0.0.1", () => ok());
    });
    port = (server.address() as AddressInfo).port;
    running = { app, server };
  };
  const stop = async () => {
    if (!running) return;
    const { app, server } = running;
    running = null;
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
    await app.close();
  };
  await start();
  const url = `http://127.0.0.1:${port}`;
  let accounts = 0;
  return {
    url,
    dbUrl,
    seeded,
    stop,
    start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async query<T>(path: string, input: unknown): Promise<T> {
      const res = await fetch(`${url}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: E2E_AUTH });
      const body = (await res.json()) as { result?: { data: T }; error?: unknown };
      if (!res.ok || !body.result) throw new Error(`${path}: ${res.status} ${JSON.stringify(body.error)}`);
      return body.result.data;
    },
    async createAccount(role, email = `${role}-${++accounts}@tally.test`) {
      const account: Account = { email, name: `E2E ${role}`, role, password: `e2e-${role}-pass-${accounts}-xyz` };
      const invited = await fetch(`${url}/api/trpc/users.invite`, {
        method: "POST",
        headers: { ...E2E_AUTH, "content-type": "application/json" },
        body: JSON.stringify({ email, role }),
      });
      const invitation = (await invited.json()) as { result?: { data: { token: string } }; error?: unknown };
      if (!invitation.result) throw new Error(`users.invite: ${invited.status} ${JSON.stringify(invitation.error)}`);
      const { token } = invitation.result.data;
      const setup = await fetch(`${url}/api/setup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token, email, name: account.name, password: account.password }),
      });
      if (setup.status !== 201) throw new Error(`POST /api/setup: ${setup.status} ${await setup.text()}`);
      return account;
    },
    async signedIn(browser, account = E2E_ADMIN) {
      const context = await browser.newContext();
      await signInThroughPage(context, url, account);
      const state = await context.storageState();
      await context.close();
      return state;
    },
  };
}
