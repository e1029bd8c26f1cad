import { serve } from "inngest/node";
import { connect, type Db, syncCalendars } from "@tally/shared/db";
import { createFunctions, createInngest, type Deps } from "@tally/inngest-functions";
import type { Env } from "./env.ts";

export interface App {
  db: Db;
  handler: ReturnType<typeof serve>;
  functions: ReturnType<typeof createFunctions>;
  inngest: ReturnType<typeof createInngest>;
  /** What the analytics API needs from configuration. */
  config: { runUrlTemplate: string };
}

/** Wires the database, the Inngest client and the functions from configuration. */
export async function createApp(env: Env, overrides: Partial<Deps> = {}): Promise<App> {
  const db = overrides.db ?? (await connect({ url: env.DATABASE_URL }));
  // Local calendars follow the configuration: a new zone is backfilled, a removed one dropped.
  const { added } = await syncCalendars(db, env.TALLY_TIME_ZONES);
  if (added.length > 0) console.log(`Local calendars added for ${[...new Set(added.map((c) => c.time_zone))].join(", ")}`);
  const inngest = createInngest({ isDev: env.isDev, eventKey: env.INNGEST_EVENT_KEY, baseUrl: env.INNGEST_BASE_URL });
  const deps: Deps = {
    db,
    judge: env.JUDGE_BASE_URL && env.JUDGE_MODEL
      ? {
          baseUrl: env.JUDGE_BASE_URL,
          apiKey: env.JUDGE_API_KEY,
          model: env.JUDGE_MODEL,
          provider: env.JUDGE_PROVIDER,
          maxRepairs: env.JUDGE_MAX_REPAIRS,
        }
      : env.isDev
        ? "simulated"
        : null,
    slack: { webhookUrl: env.SLACK_WEBHOOK_URL ?? null },
    agent: env.OPENAI_BASE_URL || env.OPENAI_API_KEY
      ? { baseUrl: env.OPENAI_BASE_URL ?? "https://api.openai.com/v1", apiKey: env.OPENAI_API_KEY, model: env.AGENT_MODEL }
      : null,
    inngestScores: env.INNGEST_SCORES === "1",
    ...overrides,
  };
  const functions = createFunctions(inngest, deps);
  const handler = serve({
    client: inngest,
    functions: functions.all,
    ...(env.INNGEST_SIGNING_KEY ? { signingKey: env.INNGEST_SIGNING_KEY } : {}),
    ...(env.INNGEST_SIGNING_KEY_FALLBACK ? { signingKeyFallback: env.INNGEST_SIGNING_KEY_FALLBACK } : {}),
    ...(env.INNGEST_SERVE_ORIGIN ? { serveOrigin: env.INNGEST_SERVE_ORIGIN } : {}),
  });
  return { db, handler, functions, inngest, config: { runUrlTemplate: env.INNGEST_RUN_URL_TEMPLATE } };
}
