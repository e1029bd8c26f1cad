// Starts the real API with a seeded temporary database and the built app, for a manual look:
//   npx tsx apps/web/scripts/preview.ts   (then open the printed URL; Ctrl-C to stop)
import { E2E_ADMIN, E2E_API_KEY, ensureBuilt, startServer } from "../e2e/server.ts";

ensureBuilt();
const s = await startServer();
console.log(`Tally preview on ${s.url} (${s.seeded.runs} seeded runs)`);
console.log(`Sign in as ${E2E_ADMIN.email} / ${E2E_ADMIN.password}; API key for scripts: ${E2E_API_KEY}`);
const stop = () => void s.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
