import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { emailSchema, isTimeZone, passwordSchema, roleSchema } from "@tally/shared";
import { hidePassword, MAX_PROMOTED_TAG_KEYS, tagKeyProblem } from "@tally/shared/db";
import { hostName, isLoopback } from "./http/hosts.ts";

/** The only place that reads process.env. Invalid configuration stops start-up with every problem named. */
const schema = z
  .object({
    PORT: wholeNumber(0, 65535, "a TCP port; 0 picks a free one").default(3000),
    HOST: z.string().default("127.0.0.1"),
    /** A `postgres://` URL (PostgreSQL), or a SQLite file (`sqlite:` prefix optional, `:memory:`). */
    DATABASE_URL: z
      .string()
      .trim()
      .min(1, { message: "is empty: give a postgres:// URL or a SQLite file path" })
      .default("./data/tally.db")
      .superRefine((v, ctx) => {
        const problem = databaseUrlProblem(v);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    INNGEST_DEV: z.string().optional(),
    INNGEST_SIGNING_KEY: z.string().optional(),
    INNGEST_SIGNING_KEY_FALLBACK: z.string().optional(),
    INNGEST_EVENT_KEY: z.string().optional(),
    INNGEST_BASE_URL: z.url().optional(),
    INNGEST_SERVE_ORIGIN: z.url().optional(),
    JUDGE_BASE_URL: z.url().optional(),
    JUDGE_API_KEY: z.string().optional(),
    JUDGE_MODEL: z.string().optional(),
    JUDGE_PROVIDER: z.string().optional(),
    JUDGE_MAX_REPAIRS: wholeNumber(0, 5, "repairs of a malformed verdict").default(2),
    OPENAI_BASE_URL: z.url().optional(),
    OPENAI_API_KEY: z.string().optional(),
    AGENT_MODEL: z.string().default("gpt-4o-mini"),
    SLACK_WEBHOOK_URL: z.url().optional(),
    INNGEST_SCORES: oneOf(["0", "1"], "1 sends each score to Inngest, 0 does not").default("0"),
    /** `auto` seeds the demo history on first start with an empty database; `0` never does. */
    TALLY_DEMO: oneOf(["auto", "0"], "auto seeds demo data into an empty database, 0 never does").default("auto"),
    /** Zones the team reports in (comma list): day and week series there read one row per key and bucket. */
    TALLY_TIME_ZONES: z
      .string()
      .default("")
      .transform((v, ctx) => {
        const zones = v.split(",").map((z) => z.trim()).filter(Boolean);
        for (const tz of zones.filter((tz) => !isTimeZone(tz))) ctx.addIssue({ code: "custom", message: `unknown IANA time zone "${tz}"` });
        return zones;
      }),
    /** Tag keys promoted to dimensions (comma list, at most 8): spend and quality by their values; other tags stay on Run detail. */
    TALLY_TAG_KEYS: z
      .string()
      .default("")
      .transform((v, ctx) => {
        const keys = [...new Set(v.split(",").map((k) => k.trim()).filter(Boolean))];
        for (const k of keys) {
          const problem = tagKeyProblem(k);
          if (problem) ctx.addIssue({ code: "custom", message: `${JSON.stringify(k)} is not a tag key: ${problem}` });
        }
        if (keys.length > MAX_PROMOTED_TAG_KEYS) ctx.addIssue({ code: "custom", message: `at most ${MAX_PROMOTED_TAG_KEYS} tag keys (${keys.length} given)` });
        return keys;
      }),
    /** How many more zones, beyond those, get a calendar by themselves when requests ask for them (0: none). */
    TALLY_AUTO_ZONES: wholeNumber(0, 20, "zones given a calendar when asked for; 0: none").default(3),
    /**
     * Host names (comma list, no scheme or port) this server answers besides localhost, 127.0.0.1, [::1], HOST
     * and INNGEST_SERVE_ORIGIN's: any other Host header gets a 421 (DNS rebinding).
     */
    TALLY_ALLOWED_HOSTS: z
      .string()
      .default("")
      .transform((v, ctx) => {
        const hosts = v.split(",").map((h) => h.trim()).filter(Boolean);
        const names: string[] = [];
        for (const h of hosts) {
          const name = hostName(h);
          if (name) names.push(name);
          else ctx.addIssue({ code: "custom", message: `"${h}" is not a host name (give a name, in punycode, or an IP address alone, without scheme, port or path)` });
        }
        return names;
      }),
    /** Signs session cookies (at least 32 characters). Required outside dev mode; in dev mode a random one is kept in the database. */
    TALLY_AUTH_SECRET: z.string().min(32, { message: "must be at least 32 characters (for example: openssl rand -base64 32)" }).optional(),
    /** The dashboard's public URL (https://tally.example.com) when it is not the address Tally listens on. */
    TALLY_PUBLIC_URL: z.url().optional(),
    /** Headless start: the first admin (only when no user has that email yet). */
    TALLY_INIT_ADMIN_EMAIL: emailSchema.optional(),
    TALLY_INIT_ADMIN_PASSWORD: passwordSchema.optional(),
    TALLY_INIT_ADMIN_NAME: z.string().trim().min(1).max(100).default("Admin"),
    /** Headless start: an admin API key with this secret (at least 32 characters), created once. */
    TALLY_INIT_API_KEY: z.string().min(32, { message: "must be at least 32 characters" }).max(512).optional(),
    /**
     * Single sign-on with an OpenID Connect provider (all three of issuer, client id and secret, or none). The
     * issuer's `/.well-known/openid-configuration` gives the endpoints; https unless the issuer is on loopback.
     */
    TALLY_OIDC_ISSUER: z
      .url()
      .refine(isHttpsOrLoopback, { message: "must be an https URL (http only on localhost, 127.0.0.1 or [::1])" })
      .optional(),
    TALLY_OIDC_CLIENT_ID: z.string().trim().min(1).max(500).optional(),
    TALLY_OIDC_CLIENT_SECRET: z.string().min(1).max(2000).optional(),
    /** The sign-in page's button label. */
    TALLY_OIDC_NAME: z.string().trim().min(1).max(60).default("Single sign-on"),
    /**
     * Role of a first-time SSO user who has neither an account nor a live invitation. Unset: such a sign-in is
     * refused. Never admin (an admin makes admins).
     */
    TALLY_OIDC_DEFAULT_ROLE: roleSchema
      .exclude(["admin"], { message: "must be viewer, finance or reviewer (admins are made by an admin)" })
      .optional(),
    /** `1` behind a reverse proxy: the client address for sign-in limits is X-Forwarded-For's last entry. */
    TALLY_TRUST_PROXY: oneOf(["0", "1"], "1 trusts X-Forwarded-For from the proxy in front, 0 does not").default("0"),
    /** 1: alert channels may post to loopback, private and link-local addresses (dev mode always may). */
    TALLY_ALERT_PRIVATE_DESTINATIONS: oneOf(["0", "1"], "1 lets alerts reach internal addresses, 0 does not").default("0"),
    /** Share of runs the judge scores (0…1), under per-customer and per-model rates set in Settings. */
    TALLY_JUDGE_SAMPLE_RATE: z.coerce
      .number({ message: "must be a number from 0 to 1 (the share of runs the judge scores)" })
      .min(0, { message: "must be a number from 0 to 1 (the share of runs the judge scores)" })
      .max(1, { message: "must be a number from 0 to 1 (the share of runs the judge scores)" })
      .default(1),
    /** Share of scored runs sent to human review (0…1) when a score name has no rate of its own; `1` sends every scored run. */
    TALLY_REVIEW_SAMPLE_RATE: z.coerce
      .number({ message: "must be a number from 0 to 1 (the share of scored runs sent to human review)" })
      .min(0, { message: "must be a number from 0 to 1 (the share of scored runs sent to human review)" })
      .max(1, { message: "must be a number from 0 to 1 (the share of scored runs sent to human review)" })
      .default(0.05),
    /** Judge spend per local day of the reporting zone (USD); once reached, runs are skipped until the next day. */
    TALLY_JUDGE_DAILY_BUDGET_USD: z
      .string()
      .trim()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined || v === "") return null;
        const usd = Number(v);
        const micros = Math.round(usd * 1e6);
        if (!Number.isFinite(usd) || micros <= 0 || usd > 1e6) {
          ctx.addIssue({ code: "custom", message: `"${v}" is not an amount in USD above 0 and at most 1000000 (e.g. 25 or 0.5)` });
          return z.NEVER;
        }
        return micros;
      }),
    /** Score runs at once (`concurrency` on score-agent-output). */
    TALLY_JUDGE_CONCURRENCY: runsAtOnce(),
    /** Notify runs at once (`concurrency` on notify-agent-completion). */
    TALLY_NOTIFY_CONCURRENCY: runsAtOnce(),
    /** Score runs started per period (`throttle` on score-agent-output): `<limit>/<period>`, period 1s…7d; `0` = off. */
    TALLY_JUDGE_THROTTLE: z
      .string()
      .trim()
      .default("60/1m")
      .transform((v, ctx) => {
        if (v === "0") return null;
        const m = /^(\d{1,6})\/(\d{1,6})([smhd])$/.exec(v);
        const seconds = m ? Number(m[2]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[3] as "s" | "m" | "h" | "d"] : 0;
        if (!m || Number(m[1]) < 1 || seconds < 1 || seconds > 7 * 86_400) {
          ctx.addIssue({ code: "custom", message: `"${v}" is not <limit>/<period> (e.g. 60/1m: a limit of 1 or more per period of 1s to 7d, units s, m, h, d) or 0 (off)` });
          return z.NEVER;
        }
        return { limit: Number(m[1]), period: `${Number(m[2])}${m[3] as "s" | "m" | "h" | "d"}` as const };
      }),
    /**
     * A genai-prices data file (its `data.json`, e.g. https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/new_data/v2/data.json)
     * the server downloads to refresh the model catalog at run time, cached in the database (shared by every instance). Unset: the bundled catalog.
     */
    GENAI_PRICES_URL: z.url().refine((v) => /^https?:/i.test(v), { message: "must be an http(s) URL" }).optional(),
    /** Hours between downloads of GENAI_PRICES_URL (0: at start-up when the cache is missing, and from Settings). */
    GENAI_PRICES_REFRESH_HOURS: z.coerce
      .number({ message: "must be a number of hours from 0 to 168" })
      .min(0, { message: "must be a number of hours from 0 to 168" })
      .max(168, { message: "must be a number of hours from 0 to 168" })
      .default(24),
    /** Link from runs.byId to the parent run in Inngest; `{runId}` is replaced. Dev Server by default. */
    INNGEST_RUN_URL_TEMPLATE: z.string().min(1).default("http://localhost:8288/run?runID={runId}"),
  });

/** A whole number from `min` to `max`, its message saying what it is for. */
function wholeNumber(min: number, max: number, what: string) {
  const message = `must be a whole number from ${min} to ${max} (${what})`;
  return z.coerce.number({ message }).int({ message }).min(min, { message }).max(max, { message });
}

/** One of a few words, its message listing them and what each does. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T, meaning: string) {
  return z.enum(values, { message: `must be ${values.join(" or ")} (${meaning})` });
}

/** An Inngest `concurrency` limit: 1…1000 runs at once, default 5. */
function runsAtOnce() {
  return wholeNumber(1, 1000, "runs at once").default(5);
}

/** Rules across variables, checked even when a variable above is malformed, so every problem shows at once. */
function crossChecks(e: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  if (!isDev(e) && !e.INNGEST_SIGNING_KEY) {
    problems.push("INNGEST_SIGNING_KEY: required outside dev mode (set INNGEST_DEV=1 for local development with the Dev Server)");
  }
  if (!isDev(e) && !e.TALLY_AUTH_SECRET) {
    problems.push("TALLY_AUTH_SECRET: required outside dev mode, at least 32 characters (for example: openssl rand -base64 32)");
  }
  const host = e.HOST ?? "127.0.0.1";
  if (isDev(e) && !isLoopback(host)) {
    problems.push(
      `HOST: dev mode (INNGEST_DEV) takes unsigned Inngest calls, so anyone who reaches HOST=${host} could write spend and scores; keep it on loopback (127.0.0.1, ::1, localhost), or run outside dev mode with INNGEST_SIGNING_KEY`,
    );
  }
  if (!e.TALLY_INIT_ADMIN_EMAIL !== !e.TALLY_INIT_ADMIN_PASSWORD) {
    problems.push("TALLY_INIT_ADMIN_EMAIL and TALLY_INIT_ADMIN_PASSWORD: set both or neither");
  }
  const oidc = [e.TALLY_OIDC_ISSUER, e.TALLY_OIDC_CLIENT_ID, e.TALLY_OIDC_CLIENT_SECRET].filter(Boolean).length;
  if (oidc !== 0 && oidc !== 3) {
    problems.push("TALLY_OIDC_ISSUER, TALLY_OIDC_CLIENT_ID and TALLY_OIDC_CLIENT_SECRET: set all three (single sign-on) or none");
  }
  for (const name of ["TALLY_OIDC_NAME", "TALLY_OIDC_DEFAULT_ROLE"] as const) {
    if (e[name] && !e.TALLY_OIDC_ISSUER) problems.push(`${name}: only with TALLY_OIDC_ISSUER (single sign-on is off)`);
  }
  if (e.JUDGE_BASE_URL && !e.JUDGE_MODEL) problems.push("JUDGE_MODEL: required when JUDGE_BASE_URL is set");
  return problems;
}

/**
 * What is wrong with a DATABASE_URL, or null. A value with a scheme must be PostgreSQL's, naming its
 * database (Tally's tables do not belong in the server's default one), or SQLite's: `mysql://…` or a
 * misspelt `postgress://…` would otherwise be taken for a SQLite file of that name. The password never
 * appears in the message.
 */
function databaseUrlProblem(value: string): string | null {
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === "sqlite" || scheme === "file") return null;
  const shown = JSON.stringify(hidePassword(value));
  if (scheme !== "postgres" && scheme !== "postgresql") {
    return `${shown} is neither a PostgreSQL URL (postgres://user:password@host:5432/database) nor a SQLite file path`;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${shown} is not a valid PostgreSQL URL (postgres://user:password@host:5432/database; percent-encode special characters in the password)`;
  }
  if (url.pathname.length <= 1) return `${shown} names no database (postgres://user:password@host:5432/database)`;
  return null;
}

/** An issuer the client secret may travel to: https, or http on this machine. A malformed URL is z.url()'s to name. */
function isHttpsOrLoopback(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname));
  } catch {
    return true;
  }
}

function isDev(e: { INNGEST_DEV?: string | undefined }): boolean {
  return e.INNGEST_DEV !== undefined && e.INNGEST_DEV !== "" && e.INNGEST_DEV !== "0" && e.INNGEST_DEV !== "false";
}

export type Env = z.infer<typeof schema> & { isDev: boolean };

/**
 * A variable set to nothing (`TALLY_REVIEW_SAMPLE_RATE=` in a .env file or compose) counts as unset: its
 * default applies. Coerced as it stands it would be 0 (sampling off, PORT 0) without a word. DATABASE_URL
 * is the exception: an empty one stops start-up rather than open the default SQLite file in its place.
 */
function withoutEmpty(source: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(source).filter((e): e is [string, string] => e[1] !== undefined && (e[0] === "DATABASE_URL" || e[1].trim() !== "")),
  );
}

export function readEnv(raw: Record<string, string | undefined> = process.env): Env {
  const source = withoutEmpty(raw);
  const parsed = schema.safeParse(source);
  const problems = [
    ...(parsed.error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`),
    ...crossChecks(source),
  ];
  if (!parsed.success || problems.length > 0) {
    throw new Error(`invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
  return { ...parsed.data, DATABASE_URL: fromInvocationDir(parsed.data.DATABASE_URL, source.INIT_CWD), isDev: isDev(parsed.data) };
}

/**
 * A relative SQLite path is taken from where the user ran npm (`INIT_CWD`), not from the workspace npm and
 * turbo switch into, so `npm start` at the root uses `./data/tally.db` there.
 */
function fromInvocationDir(url: string, invokedIn: string | undefined): string {
  // `sqlite:` / `file:` (connect() strips them) name the same file as the bare path; other schemes are servers.
  const [, prefix = "", path = url] = /^((?:sqlite|file):(?:\/\/)?)?(.*)$/is.exec(url) ?? [];
  if (!invokedIn || path === ":memory:" || (prefix === "" && /^[a-z]+:/i.test(path)) || isAbsolute(path)) return url;
  return prefix + resolve(invokedIn, path);
}

/**
 * The configuration of a command-line tool that serves nothing (demo seed and clear, the demo agent): dev mode
 * on loopback, so the server-only checks (a signing key, a public HOST) do not apply; the database and the
 * rest are read and checked as the server reads them.
 */
export function readCliEnv(raw: Record<string, string | undefined> = process.env): Env {
  return readEnv({ ...raw, INNGEST_DEV: "1", HOST: "127.0.0.1" });
}
