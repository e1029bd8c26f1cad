import { randomBytes, randomUUID } from "node:crypto";
import { namedPrivateHost, parseRule } from "@tally/inngest-functions";
import {
  ALERT_PARAMS,
  type AlertChannelCreateInput,
  type AlertChannelUpdateInput,
  type AlertRuleCreateInput,
  type AlertRuleKindName,
  type AlertRuleUpdateInput,
} from "@tally/shared";
import type { AlertChannelTable, AlertRuleTable, Db } from "@tally/shared/db";
import { writeAudit } from "../auth/audit.ts";
import type { Actor } from "../auth/principal.ts";
import { InputError } from "./common.ts";

/** Alert rules and channels (Settings → Alerts). Every change is audited in its own transaction; channel URLs and secrets never leave. */

export interface AlertRuleItem {
  id: string;
  kind: AlertRuleKindName;
  name: string;
  /** Parsed by the kind's schema (as stored when it no longer parses). */
  params: unknown;
  enabled: boolean;
  builtin: boolean;
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

const toRule = (r: AlertRuleTable): AlertRuleItem => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  params: parseRule(r)?.params ?? safeJson(r.params),
  enabled: r.enabled === 1,
  builtin: r.builtin === 1,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

/** Built-in rules first, then oldest first. */
export async function listAlertRules(db: Db): Promise<AlertRuleItem[]> {
  const rows = await db.selectFrom("alert_rules").selectAll().orderBy("builtin", "desc").orderBy("created_at").orderBy("id").execute();
  return rows.map(toRule);
}

/** The rule's parameters checked against its kind and the database: a 400 under `params.<field>`. */
async function checkedParams(db: Db, kind: AlertRuleKindName, raw: unknown): Promise<Record<string, unknown>> {
  const p = ALERT_PARAMS[kind].safeParse(raw ?? {});
  if (!p.success) {
    const [first, ...rest] = p.error.issues;
    const err = new InputError(["params", ...first!.path.map(String)].join("."), first!.message);
    (err.issues as { path: string[]; message: string }[]).splice(1, 0, ...rest.map((i) => ({ path: ["params", ...i.path.map(String)], message: i.message })));
    throw err;
  }
  const params = p.data as Record<string, unknown>;
  if (typeof params.customerId === "string") {
    const c = await db.selectFrom("customers").select(["monthly_budget_micros"]).where("id", "=", params.customerId).executeTakeFirst();
    if (!c) throw new InputError("params.customerId", `unknown customer "${params.customerId}"`);
    if (!c.monthly_budget_micros) throw new InputError("params.customerId", `customer "${params.customerId}" has no monthly budget: set one in Settings first`);
  }
  if (typeof params.scoreName === "string") {
    const known = await db.selectFrom("rollup_scores_model_4w").select("name").where("name", "=", params.scoreName).limit(1).executeTakeFirst();
    if (!known) throw new InputError("params.scoreName", `unknown score name "${params.scoreName}": no score of that name was recorded`);
  }
  return params;
}

const ruleTarget = (id: string) => `alertRule:${id}`;

export async function createAlertRule(db: Db, actor: Actor, input: AlertRuleCreateInput, now: number): Promise<AlertRuleItem> {
  const params = await checkedParams(db, input.kind, input.params);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("alert_rules")
      .values({ id: `rule_${randomUUID()}`, kind: input.kind, name: input.name, params: JSON.stringify(params), enabled: input.enabled ? 1 : 0, builtin: 0, created_by: actor.label, created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    const item = toRule(row);
    await writeAudit(trx, actor, { action: "alerts.rule.create", target: ruleTarget(item.id), before: null, after: item }, now);
    return item;
  });
}

async function ruleOrThrow(db: Db, id: string): Promise<AlertRuleTable> {
  const row = await db.selectFrom("alert_rules").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw new InputError("id", `no alert rule "${id}"`);
  return row;
}

export async function updateAlertRule(db: Db, actor: Actor, input: AlertRuleUpdateInput, now: number): Promise<AlertRuleItem> {
  const before = await ruleOrThrow(db, input.id);
  const params = input.params === undefined ? undefined : await checkedParams(db, before.kind, input.params);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("alert_rules")
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(params !== undefined ? { params: JSON.stringify(params) } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled ? 1 : 0 } : {}),
        updated_at: now,
      })
      .where("id", "=", input.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const item = toRule(row);
    // Turned off, a rule drops its states without a message: turned back on, what is over its limit then is a new episode.
    if (!item.enabled) await trx.deleteFrom("alert_states").where("rule_id", "=", item.id).execute();
    await writeAudit(trx, actor, { action: "alerts.rule.update", target: ruleTarget(item.id), before: toRule(before), after: item }, now);
    return item;
  });
}

/** Removes a rule with its states (its notifications stay, as history). The built-in rule is turned off instead. */
export async function removeAlertRule(db: Db, actor: Actor, input: { id: string }, now: number): Promise<{ removed: boolean }> {
  const before = await db.selectFrom("alert_rules").selectAll().where("id", "=", input.id).executeTakeFirst();
  if (!before) return { removed: false };
  if (before.builtin === 1) throw new InputError("id", "the built-in budget rule cannot be removed: turn it off instead");
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom("alert_rules").where("id", "=", input.id).execute();
    await trx.deleteFrom("alert_states").where("rule_id", "=", input.id).execute();
    await writeAudit(trx, actor, { action: "alerts.rule.remove", target: ruleTarget(input.id), before: toRule(before), after: null }, now);
    return { removed: true };
  });
}

/** A channel as the API shows it: the URL's host only, whether it has a signing secret; never the URL or the secret. */
export interface AlertChannelItem {
  id: string;
  kind: AlertChannelTable["kind"];
  name: string;
  host: string;
  enabled: boolean;
  createdAt: number;
  hasSecret: boolean;
}

const hostOf = (url: string) => (URL.canParse(url) ? new URL(url).host : "");
const toChannel = (r: AlertChannelTable): AlertChannelItem => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  host: hostOf(r.url),
  enabled: r.enabled === 1,
  createdAt: r.created_at,
  hasSecret: r.secret !== null,
});
const channelTarget = (id: string) => `alertChannel:${id}`;

export async function listAlertChannels(db: Db): Promise<AlertChannelItem[]> {
  return (await db.selectFrom("alert_channels").selectAll().orderBy("created_at").orderBy("id").execute()).map(toChannel);
}

/** A Standard Webhooks signing secret: `whsec_` + base64 of 24 random bytes. */
export const newWebhookSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

/**
 * A channel URL that names an address off the public internet by itself (`namedPrivateHost`) is refused when saved,
 * unless allowed; a name that resolves to one is refused when sending (destination.ts).
 */
export function checkDestination(url: string | undefined, allowPrivate: boolean): void {
  if (url === undefined || allowPrivate) return;
  const host = namedPrivateHost(url);
  if (host) {
    throw new InputError("url", `${host} is an address off the public internet (loopback, private or link-local): set TALLY_ALERT_PRIVATE_DESTINATIONS=1 to allow it`);
  }
}

/** Adds a channel; a webhook's signing secret is answered here once and never again. */
export async function createAlertChannel(db: Db, actor: Actor, input: AlertChannelCreateInput, now: number): Promise<{ id: string; secret?: string }> {
  const secret = input.kind === "webhook" ? newWebhookSecret() : null;
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto("alert_channels")
      .values({ id: `ch_${randomUUID()}`, kind: input.kind, name: input.name, url: input.url, secret, enabled: 1, created_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    await writeAudit(trx, actor, { action: "alerts.channel.create", target: channelTarget(row.id), before: null, after: toChannel(row) }, now);
    return secret === null ? { id: row.id } : { id: row.id, secret };
  });
}

export async function updateAlertChannel(db: Db, actor: Actor, input: AlertChannelUpdateInput, now: number): Promise<AlertChannelItem> {
  const before = await db.selectFrom("alert_channels").selectAll().where("id", "=", input.id).executeTakeFirst();
  if (!before) throw new InputError("id", `no alert channel "${input.id}"`);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("alert_channels")
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled ? 1 : 0 } : {}),
      })
      .where("id", "=", input.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const after = toChannel(row);
    await writeAudit(trx, actor, { action: "alerts.channel.update", target: channelTarget(row.id), before: toChannel(before), after: { ...after, urlChanged: input.url !== undefined && input.url !== before.url } }, now);
    return after;
  });
}

export async function removeAlertChannel(db: Db, actor: Actor, input: { id: string }, now: number): Promise<{ removed: boolean }> {
  return db.transaction().execute(async (trx) => {
    const before = await trx.deleteFrom("alert_channels").where("id", "=", input.id).returningAll().executeTakeFirst();
    if (!before) return { removed: false };
    await writeAudit(trx, actor, { action: "alerts.channel.remove", target: channelTarget(before.id), before: toChannel(before), after: null }, now);
    return { removed: true };
  });
}
