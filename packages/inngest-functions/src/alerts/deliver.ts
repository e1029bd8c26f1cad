import { RetryAfterError } from "inngest";
import { z } from "zod";
import type { AlertNotificationTable, Db } from "@tally/shared/db";
import { retryAfterMs } from "../retry-after.ts";
import { slackAlertMessage } from "./slack-blocks.ts";
import { signedHeaders } from "./standard-webhooks.ts";
import { type PostAnswer, postOnce, RefusedDestination } from "./destination.ts";
import { ClaimHeld, endClaim, onceAcrossDeliveries } from "../record/claim.ts";

/** The channel id of `SLACK_WEBHOOK_URL`, where alerts go while no channel is configured. */
export const SLACK_ENV_CHANNEL = "slack-env";

/** Where alerts go and how their links are made (`Deps.alerts`). */
export interface DeliveryConfig {
  /** The dashboard's origin (TALLY_PUBLIC_URL, else the served origin): alert links are made absolute on it. */
  publicUrl: string;
  /** SLACK_WEBHOOK_URL: the default channel while none is configured. */
  defaultSlackUrl: string | null;
  /** Send to addresses off the public internet too (destination.ts; TALLY_ALERT_PRIVATE_DESTINATIONS, dev mode). */
  allowPrivate: boolean;
}

/** One notification as both deliveries carry it. */
export interface AlertMessage {
  /** The notification id (`rule:subject:period:event:channel`). */
  id: string;
  event: AlertNotificationTable["event"];
  ruleId: string;
  ruleName: string;
  kind: string;
  subject: string;
  period: string;
  message: string;
  /** The dashboard view with its filters, absolute. */
  url: string;
  /** When the transition was recorded (epoch ms). */
  at: number;
}

export type SendOutcome = { status: "sent" | "failed" | "skipped"; error?: string };

/**
 * The channels a new notification goes to: every enabled channel, or `slack-env` while no channel exists at
 * all and SLACK_WEBHOOK_URL is set (channels that exist but are all turned off mean: send nowhere).
 */
export async function deliveryChannels(db: Db, defaultSlackUrl: string | null): Promise<string[]> {
  const rows = await db.selectFrom("alert_channels").select(["id", "enabled"]).orderBy("id").execute();
  if (rows.length === 0) return defaultSlackUrl ? [SLACK_ENV_CHANNEL] : [];
  return rows.filter((r) => r.enabled === 1).map((r) => r.id);
}

/** `link` (a dashboard path with its query) on the public origin, keeping any path the origin has. */
export function dashboardUrl(publicUrl: string, link: string): string {
  if (/^https?:\/\//i.test(link)) return link;
  return new URL(link.replace(/^\/+/, ""), publicUrl.endsWith("/") ? publicUrl : `${publicUrl}/`).toString();
}

/** A delivery that did not land; `permanent` when retrying cannot help (a 4xx other than 408/429, a bad channel). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** The receiver's `Retry-After`, as a wait in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

type Target = { kind: "slack"; url: string } | { kind: "webhook"; url: string; secret: string };

const targetUrl = z.url({ protocol: /^https?$/ });

async function target(db: Db, channelId: string, defaultSlackUrl: string | null): Promise<Target> {
  if (channelId === SLACK_ENV_CHANNEL) {
    if (!defaultSlackUrl) throw new DeliveryError("SLACK_WEBHOOK_URL is no longer set", true);
    return { kind: "slack", url: defaultSlackUrl };
  }
  const ch = await db.selectFrom("alert_channels").selectAll().where("id", "=", channelId).executeTakeFirst();
  if (!ch) throw new DeliveryError(`channel ${channelId} was removed`, true);
  if (ch.enabled !== 1) throw new DeliveryError(`channel ${ch.name} is turned off`, true);
  if (!targetUrl.safeParse(ch.url).success) throw new DeliveryError(`channel ${ch.name}: url is not an http(s) URL`, true);
  if (ch.kind === "slack") return { kind: "slack", url: ch.url };
  if (!ch.secret) throw new DeliveryError(`channel ${ch.name}: webhook without a signing secret`, true);
  return { kind: "webhook", url: ch.url, secret: ch.secret };
}

/** The Standard Webhooks body: `{ type, timestamp, data }`. */
export function webhookBody(m: AlertMessage): string {
  const { id, event, ruleId, ruleName, kind, subject, period, message, url } = m;
  return JSON.stringify({
    type: `alert.${event}`,
    timestamp: new Date(m.at).toISOString(),
    data: { id, event, ruleId, ruleName, kind, subject, period, message, url },
  });
}

/** How long a receiver may take to answer one POST. */
const SEND_TIMEOUT_MS = 15_000;

/**
 * POSTs one message; never follows a redirect (a signed body goes where it was configured to, or fails), and
 * never to an address off the public internet unless allowed (destination.ts).
 */
async function post(url: string, body: string, allowPrivate: boolean, headers: Record<string, string> = {}): Promise<void> {
  const host = new URL(url).host;
  let res: PostAnswer;
  try {
    res = await postOnce(url, body, { headers: { "content-type": "application/json", ...headers }, timeoutMs: SEND_TIMEOUT_MS, allowPrivate });
  } catch (e) {
    if (e instanceof RefusedDestination) throw new DeliveryError(e.message, true);
    throw new DeliveryError(`no answer from ${host}: ${e instanceof Error ? e.message : String(e)}`, false);
  }
  if (res.status >= 200 && res.status < 300) return;
  const retriable = res.status >= 500 || res.status === 408 || res.status === 429;
  throw new DeliveryError(`${host} answered ${res.status}${res.text ? `: ${res.text}` : ""}`, !retriable, retryAfterMs(res.retryAfter));
}

async function send(t: Target, m: AlertMessage, sentAtMs: number, allowPrivate: boolean): Promise<void> {
  if (t.kind === "slack") return post(t.url, JSON.stringify(slackAlertMessage(m)), allowPrivate);
  const body = webhookBody(m);
  return post(t.url, body, allowPrivate, signedHeaders(t.secret, m.id, Math.floor(sentAtMs / 1000), body));
}

/**
 * Sends one pending notification and records the outcome on its row: `sent`; or attempts + 1 and the error,
 * `failed` when retrying cannot help or this was the last attempt, else still `pending` and the error is
 * thrown so the step is retried alone; `failed` at once when its rule or channel was removed or turned off. A sent row keeps the last error of the attempts before it. A notification no longer pending (sent by an earlier run) is skipped.
 * `now` stamps the rows; the signature's timestamp is the wall clock, which receivers compare theirs with.
 */
export async function deliverNotification(
  db: Db,
  config: DeliveryConfig,
  id: string,
  opts: { lastAttempt: boolean; now: number },
): Promise<SendOutcome> {
  const n = await db.selectFrom("alert_notifications").selectAll().where("id", "=", id).executeTakeFirst();
  if (n?.status !== "pending") return { status: "skipped" };
  try {
    // A rule removed or turned off since the tick that queued this sends nothing more.
    const rule = await db.selectFrom("alert_rules").select(["name", "kind", "enabled"]).where("id", "=", n.rule_id).executeTakeFirst();
    if (!rule) throw new DeliveryError(`rule ${n.rule_id} was removed`, true);
    if (rule.enabled !== 1) throw new DeliveryError(`rule ${rule.name} is turned off`, true);
    const t = await target(db, n.channel_id, config.defaultSlackUrl);
    const url = dashboardUrl(config.publicUrl, n.link);
    const { rule_id: ruleId, subject, period, event, message, created_at: at } = n;
    // Sent once even when two ticks overlap (two apps serving the cron, a redelivery): claim.ts.
    const claim = { kind: "alert" as const, key: id, runId: "" };
    const recorded = async () => (await db.selectFrom("alert_notifications").select("status").where("id", "=", id).executeTakeFirst())?.status !== "pending";
    const sent = await onceAcrossDeliveries(db, claim, { longestMs: SEND_TIMEOUT_MS, now: opts.now, recorded }, async () => {
      await send(t, { id, event, ruleId, ruleName: rule.name, kind: rule.kind, subject, period, message, url, at }, Date.now(), config.allowPrivate);
      return true;
    });
    if (sent === null) return { status: "skipped" };
  } catch (e) {
    // Another tick is sending it: retry when its lease ends, or on the last attempt leave it to that tick.
    if (e instanceof ClaimHeld) {
      if (opts.lastAttempt) return { status: "skipped" };
      throw e;
    }
    const error = e instanceof Error ? e.message : String(e);
    const final = opts.lastAttempt || (e instanceof DeliveryError && e.permanent);
    await db
      .updateTable("alert_notifications")
      .set((eb) => ({ attempts: eb("attempts", "+", 1), last_error: error, status: final ? "failed" : "pending" }))
      .where("id", "=", id)
      .execute();
    if (final) return { status: "failed", error };
    // Retried by Inngest: after the receiver's Retry-After when it gave one (Slack's 429), else its backoff.
    if (e instanceof DeliveryError && e.retryAfterMs !== undefined) throw new RetryAfterError(error, e.retryAfterMs);
    throw e;
  }
  await db
    .updateTable("alert_notifications")
    .set((eb) => ({ attempts: eb("attempts", "+", 1), status: "sent", sent_at: opts.now }))
    .where("id", "=", id)
    .execute();
  await endClaim(db, { kind: "alert", key: id });
  return { status: "sent" };
}
