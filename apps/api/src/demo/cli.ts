/**
 * npm run demo        — seed (or complete) the 90-day demo history
 * npm run demo:clear  — remove every demo run, customer and price override; real data stays
 */
import { connect } from "@tally/shared/db";
import { readCliEnv } from "../env.ts";
import { progressBar } from "./progress.ts";
import { clearDemo, seedDemo } from "./seed.ts";

const command = process.argv[2];
if (command !== "seed" && command !== "clear") {
  console.error("usage: demo seed | demo clear");
  process.exit(2);
}
try {
  const env = readCliEnv();
  const db = await connect({ url: env.DATABASE_URL });
  try {
    if (command === "seed") {
      const { runs, endsAt } = await seedDemo(db, { now: Date.now(), onProgress: progressBar("Seeding demo data") });
      const day = new Date(endsAt).toISOString().slice(0, 10);
      const earlier = Date.now() - endsAt > 3_600_000 ? ` (seeded first then; \`npm run demo:clear && npm run demo\` seeds it afresh to today)` : "";
      console.log(`Demo data ready in ${env.DATABASE_URL}: ${runs.toLocaleString("en-US")} runs over the 90 days to ${day}${earlier}.`);
    } else {
      const { runs, repricedLines } = await clearDemo(db);
      console.log(`Removed ${runs.toLocaleString("en-US")} demo runs, the demo customers and the demo price override; the next start will not seed them again (npm run demo does).`);
      if (repricedLines > 0) {
        console.log(`The override had priced ${repricedLines.toLocaleString("en-US")} lines of your own usage: the server reprices them (at once if it is running, else when it starts; Settings → Repricing jobs).`);
      }
    }
  } finally {
    await db.destroy();
  }
} catch (e) {
  // A configuration or database problem is one clear line, not a stack trace.
  console.error(`demo ${command}: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
