/**
 * npm run demo        — seed (or complete) the 90-day demo history
 * npm run demo:clear  — remove every demo run, customer and price override; real data stays
 */
import { connect } from "@tally/shared/db";
import { readEnv } from "../env.ts";
import { progressBar } from "./progress.ts";
import { clearDemo, seedDemo } from "./seed.ts";

const command = process.argv[2];
if (command !== "seed" && command !== "clear") {
  console.error("usage: demo seed | demo clear");
  process.exit(2);
}
const env = readEnv({ INNGEST_DEV: "1", ...process.env });
const db = await connect({ url: env.DATABASE_URL });
try {
  if (command === "seed") {
    const { runs } = await seedDemo(db, { now: Date.now(), onProgress: progressBar("Seeding demo data") });
    console.log(`Demo data ready in ${env.DATABASE_URL}: ${runs.toLocaleString("en-US")} runs over 90 days.`);
  } else {
    const { runs } = await clearDemo(db);
    console.log(`Removed ${runs.toLocaleString("en-US")} demo runs, the demo customers and the demo price override; the next start will not seed them again (npm run demo does).`);
  }
} finally {
  await db.destroy();
}
