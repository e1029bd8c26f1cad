import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "@tally/shared/db";
import { type App, createApp } from "../../api/src/app.ts";
import { readEnv } from "../../api/src/env.ts";
import { createHttpServer } from "../../api/src/server.ts";
import { seed, type SeedSummary } from "./seed.ts";

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

export interface RunningServer {
  url: string;
  dbFile: string;
  seeded: SeedSummary;
  /** Stops the API as a crash would: connections dropped, database closed; the file stays. */
  stop: () => Promise<void>;
  /** Starts the API again on the same port and database file (nothing if it is running). */
  start: () => Promise<void>;
  close: () => Promise<void>;
  /** A tRPC query's answer, as the dashboard gets it (GET `?input=`); throws on an error answer. */
  query: <T>(path: string, input: unknown) => Promise<T>;
}

/**
 * The real API (createApp + createHttpServer, serving the built app) on 127.0.0.1 with a temporary SQLite
 * file seeded through the production write path.
 */
export async function startServer(opts: { runs?: number; days?: number; copyOf?: string } = {}): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), "tally-e2e-"));
  const file = join(dir, "tally.db");
  let seeded: SeedSummary;
  if (opts.copyOf) {
    // An existing database (e.g. a benchmark's), copied so the original is never written.
    copyFileSync(opts.copyOf, file);
    seeded = { runs: -1, now: Date.now(), runIds: [] };
  } else {
    const seedDb = await connect({ url: file });
    seeded = await seed(seedDb, { runs: opts.runs ?? 360, ...(opts.days ? { days: opts.days } : {}) });
    await seedDb.destroy();
  }

  const env = readEnv({ INNGEST_DEV: "1", DATABASE_URL: file, PORT: "0", HOST: "127.0.0.1" });
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
  return {
    url,
    dbFile: file,
    seeded,
    stop,
    start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    async query<T>(path: string, input: unknown): Promise<T> {
      const res = await fetch(`${url}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`);
      const body = (await res.json()) as { result?: { data: T }; error?: unknown };
      if (!res.ok || !body.result) throw new Error(`${path}: ${res.status} ${JSON.stringify(body.error)}`);
      return body.result.data;
    },
  };
}
