/**
 * npm run demo:agent [-- --count 20 --interval 2]
 * Sends `support/ticket.created` events to a running Inngest Dev Server; `handle-support-ticket` answers
 * them (OpenAI-compatible model when OPENAI_* is set, else the offline simulated model) and defers the
 * three Tally functions, which fill the dashboard live.
 */
import { parseArgs } from "node:util";
import { createInngest } from "@tally/inngest-functions";
import { type Env, readCliEnv } from "../env.ts";
import { CUSTOMERS } from "./scenario.ts";

const SUBJECTS = [
  ["Refund for a damaged order", "My order arrived broken. Can I get a refund or a replacement?"],
  ["Cannot reset my password", "The reset link in the email says it has expired."],
  ["Invoice shows the wrong VAT", "Our March invoice charged 20% VAT but we are VAT-registered in Ireland."],
  ["API rate limit questions", "We keep getting 429s at about 50 requests per second. What are the limits?"],
  ["Change the account owner", "Our admin left the company; how do we transfer ownership?"],
  ["Export all our data", "We need a full export of our workspace for an audit."],
] as const;

/** The options, checked: a bad one is one line naming it (exit 2), not a stack trace or a silent no-op. */
function options(): { count: number; interval: number } {
  try {
    const { values } = parseArgs({ options: { count: { type: "string", default: "20" }, interval: { type: "string", default: "2" } } });
    const count = Number(values.count);
    const interval = Number(values.interval);
    if (!Number.isInteger(count) || count < 1 || count > 10_000) throw new Error(`--count must be a whole number from 1 to 10000 (got "${values.count}")`);
    if (!Number.isFinite(interval) || interval < 0 || interval > 3600) throw new Error(`--interval must be seconds from 0 to 3600 (got "${values.interval}")`);
    return { count, interval };
  } catch (e) {
    console.error(`demo:agent: ${(e as Error).message}\nusage: npm run demo:agent [-- --count 20 --interval 2]`);
    process.exit(2);
  }
}
const { count, interval } = options();
let env: Env;
try {
  env = readCliEnv();
} catch (e) {
  console.error(`demo:agent: ${(e as Error).message}`);
  process.exit(1);
}
const base = env.INNGEST_BASE_URL ?? "http://localhost:8288";

try {
  await fetch(base, { signal: AbortSignal.timeout(2_000) });
} catch {
  console.error(`No Inngest Dev Server at ${base}: start one with \`npx inngest-cli@latest dev -u http://localhost:${env.PORT}/api/inngest\` (or set INNGEST_BASE_URL).`);
  process.exit(1);
}

const inngest = createInngest({ isDev: true, baseUrl: base, eventKey: env.INNGEST_EVENT_KEY });
for (let i = 0; i < count; i++) {
  const [subject, body] = SUBJECTS[i % SUBJECTS.length]!;
  const customer = CUSTOMERS[Math.floor(Math.random() * CUSTOMERS.length)]!;
  const ticketId = `T-${Date.now().toString(36)}-${i}`;
  const { ids } = await inngest.send({ name: "support/ticket.created", data: { ticketId, customerId: customer.id, subject, body } });
  console.log(`sent ${ticketId} for ${customer.name} (event ${ids[0]})`);
  if (i < count - 1) await new Promise((r) => setTimeout(r, interval * 1000));
}
