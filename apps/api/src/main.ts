import { createApp } from "./app.ts";
import { type Env, readEnv } from "./env.ts";
import { progressBar } from "./demo/progress.ts";
import { isEmpty, seedDemo } from "./demo/seed.ts";
import { createHttpServer } from "./server.ts";

let env: Env;
try {
  env = readEnv();
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
const app = await createApp(env);
if (process.argv.includes("--demo") || (env.TALLY_DEMO === "auto" && (await isEmpty(app.db)))) {
  const { runs } = await seedDemo(app.db, { now: Date.now(), onProgress: progressBar("Seeding demo data") });
  console.log(`Seeded ${runs.toLocaleString("en-US")} demo runs (remove them with: npm run demo:clear)`);
}
const server = createHttpServer(app);
server.listen(env.PORT, env.HOST, () => {
  const url = `http://${env.HOST === "0.0.0.0" ? "localhost" : env.HOST}:${env.PORT}`;
  console.log(`Tally listening on ${url} (${env.isDev ? "Inngest dev mode" : "Inngest cloud mode"})`);
  console.log(`  Inngest endpoint: ${url}/api/inngest  —  attach a Dev Server: npx inngest-cli@latest dev -u ${url}/api/inngest`);
});

const stop = () => server.close(() => void app.close().then(() => process.exit(0)));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
