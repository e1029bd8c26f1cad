import { serve } from "inngest/edge";
import { connect, type Db, syncCalendars, syncTagKeys } from "@tally/shared/db";
import { createFunctions, createInngest, DEFAULT_FLOW, DEFAULT_JUDGE_GATE, type Deps } from "@tally/inngest-functions";
import type { JudgeSettings } from "./queries/judge.ts";
import type { ReviewSettings } from "./queries/review-submit.ts";
import type { AlertSettings } from "./queries/alert-reads.ts";
import { type Access, createAccess, initAccess } from "./auth/access.ts";
import { type CalendarKeeper, createCalendarKeeper } from "./calendar-keeper.ts";
import type { Env } from "./env.ts";
import { createRepriceRunner, type RepriceRunner } from "./reprice/runner.ts";
import { type HttpConfig, httpConfig } from "./http/config.ts";
import { listenUrl } from "./http/hosts.ts";
import { legacyCatalogCacheFile, startCatalog, stopCatalog } from "./pricing-catalog/catalog.ts";

export interface App {
  db: Db;
  /** The SDK's web-standard handler; `http/inngest-route.ts` reads and checks the body before it. */
  handler: ReturnType<typeof serve>;
  functions: ReturnType<typeof createFunctions>;
  inngest: ReturnType<typeof createInngest>;
  /** Local calendars for the configured zones and the ones requests ask for, filled in the background. */
  calendars: CalendarKeeper;
  /** Repricing jobs, run in this process a batch per transaction (reprice/runner.ts). */
  repricer: RepriceRunner;
  /** Sign-in, sessions and API keys (better-auth on the same database). */
  access: Access;
  /** What the HTTP API needs from configuration. */
  config: { runUrlTemplate: string; http: HttpConfig; judge: JudgeSettings; review: ReviewSettings; alerts: AlertSettings; now: () => number };
  /** Stops the background calendar fill and repricing, then closes the database. */
  close(): Promise<void>;
}

/** Wires the database, the Inngest client and the functions from configuration. */
export async function createApp(env: Env, overrides: Partial<Deps> = {}): Promise<App> {
  let upgradeStarted: number | null = null;
  const upgrading = (pending: string[]) => {
    upgradeStarted = performance.now();
    console.log(`Upgrading the database: ${pending.length} migration${pending.length === 1 ? "" : "s"} to run (${pending.join(", ")}); on a large database this can take minutes, and Tally listens once it is done`);
  };
  const db = overrides.db ?? (await connect({ url: env.DATABASE_URL, onUpgrade: upgrading }));
  if (upgradeStarted !== null) console.log(`Database upgraded in ${((performance.now() - upgradeStarted) / 1000).toFixed(1)} s`);
  // Local calendars follow the configuration (a removed zone is dropped, with auto zones unused for two
  // weeks); new ones fill in the background, so start-up does not wait for a backfill.
  const { added } = await syncCalendars(db, env.TALLY_TIME_ZONES, { fill: false });
  if (added.length > 0) console.log(`Local calendars added for ${[...new Set(added.map((c) => c.time_zone))].join(", ")}`);
  // Promoted tag keys likewise: a new one fills in the background, a removed one goes with its rows.
  const tags = await syncTagKeys(db, env.TALLY_TAG_KEYS);
  if (tags.added.length + tags.removed.length > 0) console.log(`Tag keys: added ${tags.added.join(", ") || "none"}; removed ${tags.removed.join(", ") || "none"}`);
  for (const done of await initAccess(db, env, Date.now())) console.log(`Access: ${done}`);
  const http = httpConfig(env);
  const access = await createAccess(db, env, http.allowedHosts);
  const calendars = createCalendarKeeper(db, { cap: env.TALLY_AUTO_ZONES });
  calendars.fill();
  // The genai-prices catalog: the download cached in the database when GENAI_PRICES_URL is set, refreshed in the background.
  await startCatalog({ url: env.GENAI_PRICES_URL, refreshHours: env.GENAI_PRICES_REFRESH_HOURS, db, legacyCacheFile: legacyCatalogCacheFile(env.DATABASE_URL) });
  // Jobs left pending or running by a stopped (or killed) server carry on at their cursor.
  const repricer = createRepriceRunner(db);
  // Inngest v4 reads signing keys from the client (serve() ignores them), so they go here.
  const inngest = createInngest({
    isDev: env.isDev,
    eventKey: env.INNGEST_EVENT_KEY,
    baseUrl: env.INNGEST_BASE_URL,
    signingKey: env.INNGEST_SIGNING_KEY,
    signingKeyFallback: env.INNGEST_SIGNING_KEY_FALLBACK,
  });
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
    judgeGate: { sampleRate: env.TALLY_JUDGE_SAMPLE_RATE, dailyBudgetMicros: env.TALLY_JUDGE_DAILY_BUDGET_USD, timeZone: env.TALLY_TIME_ZONES[0] ?? "UTC" },
    review: { sampleRate: env.TALLY_REVIEW_SAMPLE_RATE, dashboardUrl: dashboardUrl(env) },
    // Dev mode posts to local receivers (a relay, the tests' servers); elsewhere only when the operator allows it.
    alerts: { publicUrl: dashboardUrl(env), allowPrivateDestinations: env.isDev || env.TALLY_ALERT_PRIVATE_DESTINATIONS === "1" },
    flow: { judgeConcurrency: env.TALLY_JUDGE_CONCURRENCY, notifyConcurrency: env.TALLY_NOTIFY_CONCURRENCY, judgeThrottle: env.TALLY_JUDGE_THROTTLE },
    ...overrides,
  };
  const functions = createFunctions(inngest, deps);
  // What judge.status reports: the gate's settings and the flow control the functions were made with.
  const flow = deps.flow ?? DEFAULT_FLOW;
  const judge: JudgeSettings = { ...(deps.judgeGate ?? DEFAULT_JUDGE_GATE), concurrency: flow.judgeConcurrency, throttle: flow.judgeThrottle };
  // reviews.submit stores a review, then sends the event its waiting score run listens for.
  const review: ReviewSettings = { sampleRate: deps.review?.sampleRate ?? env.TALLY_REVIEW_SAMPLE_RATE, send: (event) => inngest.send(event) };
  const handler = serve({ client: inngest, functions: functions.all, ...servedAt(env) });
  const close = async () => {
    await calendars.stop();
    await repricer.stop();
    stopCatalog();
    await db.destroy();
  };
  return { db, handler, functions, inngest, calendars, repricer, access, config: { runUrlTemplate: env.INNGEST_RUN_URL_TEMPLATE, http, judge, review, alerts: { timeZone: env.TALLY_TIME_ZONES[0] ?? "UTC", slackWebhookConfigured: !!env.SLACK_WEBHOOK_URL, allowPrivateDestinations: deps.alerts?.allowPrivateDestinations ?? false }, now: deps.clock ?? Date.now }, close };
}

/**
 * The URL a sync registers with Inngest: INNGEST_SERVE_ORIGIN; else, outside dev mode, TALLY_PUBLIC_URL (its path
 * before /api/inngest). Without either the SDK takes the request's Host and scheme, which anyone may send with the
 * unsigned body-less PUT: a production server could be re-registered at a wrong port or scheme.
 */
function servedAt(env: Env): { serveOrigin?: string; servePath?: string } {
  if (env.INNGEST_SERVE_ORIGIN) return { serveOrigin: env.INNGEST_SERVE_ORIGIN };
  if (env.isDev || !env.TALLY_PUBLIC_URL) return {};
  const url = new URL(env.TALLY_PUBLIC_URL);
  return { serveOrigin: url.origin, servePath: `${url.pathname.replace(/\/+$/, "")}/api/inngest` };
}

/** Where the dashboard is for links sent out (Slack, alerts, the first-run link): TALLY_PUBLIC_URL, else the serve origin, else this server's own address. */
export function dashboardUrl(env: Pick<Env, "TALLY_PUBLIC_URL" | "INNGEST_SERVE_ORIGIN" | "HOST" | "PORT">, port = env.PORT): string {
  return env.TALLY_PUBLIC_URL ?? env.INNGEST_SERVE_ORIGIN ?? listenUrl(env.HOST, port);
}
