/** The Alerts page's shaping: rules with their current state, notification history, the engine note. Pure. */

export type AlertKind = "budget" | "forecast" | "spend_over" | "spend_spike" | "quality_drop" | "unpriced" | "judge_failures";

export const KIND_LABELS: Record<AlertKind, string> = {
  budget: "Budget reached",
  forecast: "Month-end forecast over budget",
  spend_over: "Any customer over an amount",
  spend_spike: "Spend spike",
  quality_drop: "Quality drop",
  unpriced: "Unpriced usage",
  judge_failures: "Judge failures",
};

export interface RuleInput {
  id: string;
  kind: AlertKind;
  name: string;
  enabled: boolean;
  builtin: boolean;
}

/** One evaluation of a rule for one subject, computed at read time (`alerts.state`). */
export interface EvaluationInput {
  ruleId: string;
  subject: string;
  subjectLabel: string;
  period: string;
  firing: boolean;
  /** What the value was compared with (a budget rule has one evaluation per threshold of a subject). */
  threshold: number | null;
  message: string;
  link: string;
}

export type RuleStatus = "firing" | "ok" | "off";

export interface RuleView<R extends RuleInput = RuleInput> {
  rule: R;
  status: RuleStatus;
  /** Words beside the icon: the state is never colour alone. */
  statusLabel: string;
  /** One per firing subject: its most severe firing evaluation (the highest threshold crossed). */
  firing: (EvaluationInput & { href: string | null })[];
  /** Subjects evaluated and not firing. */
  quiet: number;
}

/**
 * The drill-down for a link the API sent: a same-origin path as it is; an absolute http(s) link (made on
 * TALLY_PUBLIC_URL for Slack) as its path on this dashboard; anything else (`javascript:`, `//host`) none.
 */
export function safeLink(link: string | null | undefined): string | null {
  if (!link) return null;
  if (link.startsWith("/")) return link.startsWith("//") || link.includes("\\") ? null : link;
  if (!/^https?:\/\//i.test(link) || !URL.canParse(link)) return null;
  const u = new URL(link);
  return `${u.pathname}${u.search}${u.hash}`;
}

/** Rules with what fires now: firing rules first (most subjects first), then on, then off; by name within. */
export function prepareRules<R extends RuleInput>(rules: readonly R[], evaluations: readonly EvaluationInput[]): RuleView<R>[] {
  const byRule = new Map<string, EvaluationInput[]>();
  for (const e of evaluations) {
    const list = byRule.get(e.ruleId) ?? [];
    list.push(e);
    byRule.set(e.ruleId, list);
  }
  const views = rules.map((rule): RuleView<R> => {
    const evals = rule.enabled ? (byRule.get(rule.id) ?? []) : [];
    const worst = new Map<string, EvaluationInput>();
    const subjects = new Set<string>();
    for (const e of evals) {
      subjects.add(e.subject);
      const seen = worst.get(e.subject);
      if (e.firing && (!seen || (e.threshold ?? -Infinity) >= (seen.threshold ?? -Infinity))) worst.set(e.subject, e);
    }
    const firing = [...worst.values()].sort((a, b) => a.subjectLabel.localeCompare(b.subjectLabel)).map((e) => ({ ...e, href: safeLink(e.link) }));
    const status: RuleStatus = !rule.enabled ? "off" : firing.length > 0 ? "firing" : "ok";
    const statusLabel = status === "off" ? "turned off" : status === "ok" ? "not firing" : `firing for ${firing.length} ${firing.length === 1 ? "subject" : "subjects"}`;
    return { rule, status, statusLabel, firing, quiet: subjects.size - firing.length };
  });
  const rank = (v: RuleView<R>) => (v.status === "firing" ? 0 : v.status === "ok" ? 1 : 2);
  return views.sort((a, b) => rank(a) - rank(b) || b.firing.length - a.firing.length || a.rule.name.localeCompare(b.rule.name));
}

export interface NotificationInput {
  id: string;
  ruleId: string;
  /** The rule's name now; null once the rule was removed. */
  ruleName: string | null;
  subject: string;
  period: string;
  event: "firing" | "resolved";
  channelId: string;
  status: "pending" | "sent" | "failed";
  attempts: number;
  lastError: string | null;
  message: string;
  link: string;
  createdAt: number;
  sentAt: number | null;
}

export interface NotificationView extends NotificationInput {
  ruleName: string;
  /** "firing, sent" / "resolved, failed after 3 attempts": words, not a colour. */
  outcome: string;
  tone: "good" | "bad" | "warn" | "";
  href: string | null;
}

export function prepareHistory(items: readonly NotificationInput[]): NotificationView[] {
  return items.map((n) => {
    const tries = `${n.attempts} attempt${n.attempts === 1 ? "" : "s"}`;
    const outcome =
      n.status === "sent" ? "sent"
      : n.status === "failed" ? `failed after ${tries}`
      : n.attempts > 0 ? `pending, retrying (${tries})`
      : "pending";
    const tone = n.status === "failed" ? "bad" : n.status === "pending" ? "warn" : n.event === "resolved" ? "good" : "";
    return { ...n, ruleName: n.ruleName ?? `${n.ruleId} (removed)`, outcome, tone, href: safeLink(n.link) };
  });
}

/** Where alerts go, and what runs without an Inngest engine: said above the rules. `channels` null: not known (not an admin). */
export function deliveryNote(o: { everSent: boolean; channels: number | null; defaultChannel: "slack-env" | null }): string {
  const where =
    o.defaultChannel === "slack-env" ? "Notifications go to the Slack webhook in SLACK_WEBHOOK_URL (no channel configured in Settings)."
    : o.channels === null ? "Notifications go to the channels an admin set in Settings → Alerts."
    : o.channels > 0 ? `Notifications go to ${o.channels} enabled channel${o.channels === 1 ? "" : "s"}.`
    : "No channel is enabled: an admin can add a Slack or webhook channel in Settings → Alerts.";
  return o.everSent
    ? where
    : `${where} Rules are evaluated when you open this page; sending needs the Inngest engine, and no notification has been sent yet.`;
}
