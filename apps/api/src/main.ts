import { createServer } from "node:net";
import { createApp, dashboardUrl } from "./app.ts";
import { listenUrl } from "./http/hosts.ts";
import { type Env, readEnv } from "./env.ts";
import { progressBar } from "./demo/progress.ts";
import { isFirstStart, seedDemo } from "./demo/seed.ts";
import { firstRunToken } from "./auth/setup.ts";
import { createHttpServer } from "./server.ts";

let env: Env;
try {
  env = readEnv();
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
// The database unreachable or refusing (a wrong password, a missing database): one line saying so, not a stack.
const app = await createApp(env).catch((e: Error) => {
  console.error(`Tally cannot start: ${e.message}`);
  process.exit(1);
});
/** One line for a port that cannot be listened on (in use, or a privileged port), naming the setting. */
function cannotListen(e: NodeJS.ErrnoException): never {
  const why = e.code === "EADDRINUSE" ? "is in use by another process" : e.code === "EACCES" ? "needs privileges this process lacks" : `cannot be listened on (${e.message})`;
  console.error(`Tally cannot start: port ${env.PORT} on ${env.HOST} ${why}; set PORT to a free port (PORT=0 picks one)`);
  process.exit(1);
}
// Before the demo seed (a minute on a first start): a port in use stops start-up at once, not after it.
await new Promise<void>((free) => {
  const probe = createServer().once("error", cannotListen);
  probe.listen(env.PORT, env.HOST, () => probe.close(() => free()));
});
if (process.argv.includes("--demo") || (env.TALLY_DEMO === "auto" && (await isFirstStart(app.db)))) {
  const seeded = await seedDemo(app.db, { now: Date.now(), onProgress: progressBar("Seeding demo data") }).catch((e: Error) => {
    console.error(`Tally cannot seed the demo data: ${e.message}`);
    process.exit(1);
  });
  console.log(`Seeded ${seeded.runs.toLocaleString("en-US")} demo runs (remove them with: npm run demo:clear)`);
}
const server = createHttpServer(app);
server.once("error", cannotListen);
server.listen(env.PORT, env.HOST, async () => {
  const { port } = server.address() as import("node:net").AddressInfo;
  const url = listenUrl(env.HOST, port);
  console.log(`Tally listening on ${url} (${env.isDev ? "Inngest dev mode" : "Inngest cloud mode"})`);
  // Outside dev mode every call must be signed: a Dev Server's unsigned calls would be refused.
  console.log(env.isDev ? `  Inngest endpoint: ${url}/api/inngest  —  attach a Dev Server: npx inngest-cli@latest dev -u ${url}/api/inngest` : `  Inngest endpoint: ${url}/api/inngest (signed calls only: INNGEST_SIGNING_KEY)`);
  // No account yet: a one-time link (valid a day; every start prints one, any works until the first admin exists).
  const token = await firstRunToken(app.db, Date.now());
  if (token) console.log(`  First run: create the admin account at ${dashboardUrl(env, port)}/setup?token=${token}`);
});

/** Stops taking requests, lets the ones in flight finish (5 s at most), closes the database, exits. */
let stopping = false;
function stop(reason: string): void {
  if (stopping) return;
  stopping = true;
  console.log(`Tally stopping (${reason})`);
  setTimeout(() => process.exit(1), 5_000).unref();
  server.close(() => void app.close().then(() => process.exit(0)));
  server.closeIdleConnections();
}
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGHUP", () => stop("SIGHUP"));
// Whatever started us (npm, tsx) was killed without passing a signal on (kill -KILL): do not live on orphaned.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop("parent process exited");
}, 1_000).unref();
