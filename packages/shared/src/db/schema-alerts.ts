/** Alerts (migration 0011): rules, delivery channels, each rule × subject's current state, and every notification. */
export interface AlertTables {
  alert_rules: AlertRuleTable;
  alert_channels: AlertChannelTable;
  alert_states: AlertStateTable;
  alert_notifications: AlertNotificationTable;
}

export type AlertRuleKind = "budget" | "forecast" | "spend_over" | "spend_spike" | "quality_drop" | "unpriced" | "judge_failures";

export interface AlertRuleTable {
  id: string;
  kind: AlertRuleKind;
  name: string;
  /** JSON of the kind's parameters (`alertRuleParams` in @tally/shared). */
  params: string;
  /** 1 on, 0 off (the built-in default budget rule can be turned off, not removed). */
  enabled: number;
  /** 1 for the built-in rules made by the migration. */
  builtin: number;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface AlertChannelTable {
  id: string;
  kind: "slack" | "webhook";
  name: string;
  /** Secret: never returned by the API (shown as its host only). */
  url: string;
  /** Standard Webhooks signing secret (`whsec_` + base64) for `webhook`; null for Slack. Never returned. */
  secret: string | null;
  enabled: number;
  created_at: number;
}

/** The last evaluation of one rule for one subject and period: firing or not, since when. */
export interface AlertStateTable {
  rule_id: string;
  /** What the rule is about: a customer id, a model, `model|score name`, … ('' for a global rule). */
  subject: string;
  /** The period the state belongs to (a budget month `2026-12`, a window's end bucket, …). */
  period: string;
  firing: number;
  value: number | null;
  threshold: number | null;
  message: string;
  /** Dashboard path with its filters (`/spend?customer=…&range=…`). */
  link: string;
  since: number;
  evaluated_at: number;
}

export interface AlertNotificationTable {
  /** `${rule_id}:${subject}:${period}:${event}:${channel_id}`: a notification is sent once per channel. */
  id: string;
  rule_id: string;
  subject: string;
  period: string;
  event: "firing" | "resolved";
  channel_id: string;
  status: "pending" | "sent" | "failed";
  attempts: number;
  last_error: string | null;
  message: string;
  link: string;
  created_at: number;
  sent_at: number | null;
}
