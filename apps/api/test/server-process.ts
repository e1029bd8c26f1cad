/**
 * Tally's server in a Node process of its own, configured from process.env like `npm start` (plus
 * DATABASE_URL), on an ephemeral 127.0.0.1 port: prints `{"port":…}` once listening. A test sees the
 * process die, which the test runner would otherwise absorb.
 */
import { createApp } from "../src/app.ts";
import { readEnv } from "../src/env.ts";
import { createHttpServer } from "../src/server.ts";

const app = await createApp(readEnv());
const server = createHttpServer(app);
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
process.on("SIGTERM", () => server.close(() => void app.close().then(() => process.exit(0))));
