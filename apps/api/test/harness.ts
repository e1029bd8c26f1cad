import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Deps } from "@tally/inngest-functions";
import { testDatabaseUrl } from "@tally/shared/db/testing";
import { createApp } from "../src/app.ts";
import { readEnv } from "../src/env.ts";
import { createHttpServer } from "../src/server.ts";
import { Executor } from "./executor.ts";

export interface Tally {
  base: string;
  executor: Executor;
  db: Awaited<ReturnType<typeof createApp>>["db"];
  dbFile: string;
  /** The app's calendar keeper (tests await its background work with idle()). */
  calendars: Awaited<ReturnType<typeof createApp>>["calendars"];
  close(): Promise<void>;
}

/**
 * An admin API key every harness server has (made at start by TALLY_INIT_API_KEY, the operator's path), so
 * tests read and write through the same credential check as any client.
 */
export const TEST_API_KEY = "tally_test_admin_key_0123456789abcdefghijklmnop";
export const AUTH = { authorization: `Bearer ${TEST_API_KEY}` } as const;

/**
 * The real app (real SQLite file or PostgreSQL database, real serve() handler) on an ephemeral 127.0.0.1 port.
 * `databaseUrl`: run on that database and leave it in place on close (a restart, a copy); else a new test
 * database, removed with its directory on close.
 */
export async function startTally(env: Record<string, string> = {}, overrides: Partial<Deps> = {}, databaseUrl?: string): Promise<Tally> {
  const dir = databaseUrl ? null : mkdtempSync(join(tmpdir(), "tally-test-"));
  // A SQLite file in `dir`, or (the suite's PostgreSQL pass) a fresh PostgreSQL database.
  const dbFile = databaseUrl ?? (await testDatabaseUrl({ file: join(dir!, "tally.db") }));
  const app = await createApp(readEnv({ INNGEST_DEV: "1", DATABASE_URL: dbFile, TALLY_INIT_API_KEY: TEST_API_KEY, ...env }), overrides);
  const server = createHttpServer(app);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    base,
    executor: new Executor(`${base}/api/inngest`),
    db: app.db,
    dbFile,
    calendars: app.calendars,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await app.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const PARENT = { fnSlug: "tally-handle-support-ticket", runId: "01PARENTRUN0000000000000001" };
