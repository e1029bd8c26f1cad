import type { ColumnType, Generated, Insertable, Selectable } from "kysely";
import type { AlertTables } from "./schema-alerts.ts";
import type { PricingTables } from "./schema-pricing.ts";
import type { ReviewTables } from "./schema-reviews.ts";
import type { RollupTables } from "./schema-rollups.ts";

/**
 * Kysely's view of the database. Timestamps are UTC epoch milliseconds; money is integer micro-USD
 * (1 USD = 1,000,000). A NULL `cost_micros` means UNPRICED, never $0. Rollup keys use '' for "unknown"
 * (a NULL would defeat the primary key), and the API shows '' as "unattributed".
 */
export interface Database extends RollupTables, PricingTables, AlertTables, ReviewTables {
  runs: RunTable;
  scores: ScoreTable;
  evaluations: EvaluationTable;
  usage_costs: UsageCostTable;
  notifications: NotificationTable;
  model_prices: ModelPriceTable;
  customers: CustomerTable;
  auth_user: AuthUserTable;
  auth_session: AuthSessionTable;
  auth_account: AuthAccountTable;
  api_keys: ApiKeyTable;
  setup_tokens: SetupTokenTable;
  audit_log: AuditLogTable;
  sign_in_failures: SignInFailureTable;
  settings: SettingTable;
  judge_sampling: JudgeSamplingTable;
  side_effect_claims: SideEffectClaimTable;
}

/** A sample rate for one model or one customer, over TALLY_JUDGE_SAMPLE_RATE (0009). */
export interface JudgeSamplingTable {
  scope: "model" | "customer";
  key: string;
  /** 0…1: the share of runs the judge scores. */
  rate: number;
  updated_at: number;
  updated_by: string;
}

/** better-auth's user (its camelCase columns), with Tally's role. Dates are ISO strings in SQLite. */
export interface AuthUserTable {
  id: string;
  name: string;
  email: string;
  emailVerified: number | boolean;
  image: string | null;
  createdAt: string | Date;
  updatedAt: string | Date;
  role: string;
}

export interface AuthSessionTable {
  id: string;
  expiresAt: string | Date;
  token: string;
  createdAt: string | Date;
  updatedAt: string | Date;
  ipAddress: string | null;
  userAgent: string | null;
  userId: string;
}

export interface AuthAccountTable {
  id: string;
  accountId: string;
  /** `credential` for email + password (`password` holds better-auth's scrypt hash), else the SSO provider id. */
  providerId: string;
  userId: string;
  password: string | null;
  createdAt: string | Date;
  updatedAt: string | Date;
}

/** A key for scripts and BI tools: the SHA-256 of its secret, never the secret. */
export interface ApiKeyTable {
  id: string;
  name: string;
  role: string;
  key_hash: string;
  /** The secret's first characters, shown to tell keys apart. */
  prefix: string;
  created_by: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** A one-time link that creates an account with a role: the first admin's setup link, or an invitation. */
export interface SetupTokenTable {
  token_hash: string;
  role: string;
  /** An invitation names the email; the first-run link lets the admin choose. */
  email: string | null;
  created_by: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** Append-only: written in the transaction of the change it records; no API edits or deletes it. */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor_type: "user" | "api_key" | "system";
  actor_id: string;
  /** The user's email or the key's name at the time. */
  actor_label: string;
  /** The procedure or event, e.g. `prices.upsert`, `users.setRole`. */
  action: string;
  target: string;
  /** JSON of the row before and after (null: created / deleted). */
  before: string | null;
  after: string | null;
}

export interface SignInFailureTable {
  /** `email:<address>` or `ip:<address>`. */
  key: string;
  window_start: number;
  failures: number;
}

export interface SettingTable {
  key: string;
  value: string;
}

export interface RunTable {
  /** The parent run's Inngest run id (ctx.parents[0].runId). */
  run_id: string;
  function_slug: string;
  /** '' until some payload names it. */
  model: string;
  customer_id: string;
  ticket_id: string | null;
  /** JSON object of string tags. */
  tags: string;
  /** When the parent's work happened; decides the run's rollup bucket. */
  occurred_at: number;
  first_seen_at: number;
  /** Set when the first score lands; counts the run as scored exactly once. */
  scored_at: number | null;
  /** Why the judge was not called for the run (`not_sampled`, `judge_budget`); the first decision wins (0009). */
  judge_outcome: ColumnType<string | null, string | null | undefined, string | null>;
}

export type ScoreDataType = "numeric" | "boolean" | "categorical";
export type ScoreSource = "judge" | "human";

export interface ScoreTable {
  /** Deterministic: `${idempotencyKey}:${name}`. */
  id: string;
  run_id: string;
  deferred_run_id: string;
  /** The agent model whose output was scored. */
  model: string;
  name: string;
  /** Normalised to 0–1. */
  value: number;
  raw_value: number;
  scale_min: number;
  scale_max: number;
  data_type: ScoreDataType;
  source: ScoreSource;
  judge_model: string | null;
  rubric_version: string | null;
  rationale: string | null;
  occurred_at: number;
  created_at: number;
}

/** `not_sampled` / `judge_budget`: the judge was not called (sampling, or the day's judge budget was reached). */
export type EvaluationStatus = "succeeded" | "failed" | "not_sampled" | "judge_budget";

export interface EvaluationTable {
  /** Deterministic: the idempotency key of the deferred score run. */
  id: string;
  run_id: string;
  deferred_run_id: string;
  status: EvaluationStatus;
  judge_model: string;
  rubric_version: string;
  /** Judge calls made, including repair attempts. */
  judge_calls: number;
  error: string | null;
  /** The judge's last raw reply, truncated, kept for failed evaluations. */
  raw_output: string | null;
  created_at: number;
}

export type UsageKind = "agent" | "judge";

/** A 0007 unit column: NOT NULL DEFAULT 0, so an insert may leave it out. */
type UnitCount = ColumnType<number, number | undefined, number>;

export interface UsageCostTable {
  /** Deterministic: `${idempotencyKey}:${kind}`. */
  id: string;
  run_id: string;
  deferred_run_id: string;
  kind: UsageKind;
  provider: string;
  model: string;
  customer_id: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  /** 0007: the other units genai-prices prices (pricing/units.ts), 0 when not reported; parts as the names say. */
  input_audio_tokens: UnitCount;
  input_image_tokens: UnitCount;
  input_video_tokens: UnitCount;
  cache_audio_read_tokens: UnitCount;
  cache_image_read_tokens: UnitCount;
  cache_write_1h_tokens: UnitCount;
  output_audio_tokens: UnitCount;
  output_image_tokens: UnitCount;
  output_video_tokens: UnitCount;
  output_citation_tokens: UnitCount;
  web_searches: UnitCount;
  storage_searches: UnitCount;
  input_document_pages: UnitCount;
  input_annotated_document_pages: UnitCount;
  input_text_messages: UnitCount;
  /** Seconds of audio (may be fractional); input_audio_seconds are part of audio_seconds. */
  audio_seconds: UnitCount;
  input_audio_seconds: UnitCount;
  /** Computed at write time. NULL = unpriced. */
  cost_micros: number | null;
  input_cost_micros: number | null;
  output_cost_micros: number | null;
  /** e.g. `genai-prices:openai/gpt-4o`, `override:my-model@2026-01-01`, `unpriced`. */
  price_source: string;
  /** What the provider itself reported, stored apart from our computed figure. */
  reported_cost_micros: number | null;
  occurred_at: number;
  created_at: number;
}

export interface NotificationTable {
  id: string;
  run_id: string;
  deferred_run_id: string;
  channel: string;
  /** `failed`: every attempt failed (recorded by the notify function's failure handler). */
  status: "sent" | "failed";
  http_status: number;
  created_at: number;
}

/** A lease on a judge call, a Slack post or an alert's send per record key, held until its outcome is recorded (0022). */
export interface SideEffectClaimTable {
  kind: "judge" | "slack" | "alert";
  key: string;
  run_id: string;
  /** The execution holding the lease (a random token per attempt). */
  owner: string;
  lease_until: number;
  /** The side effect's result as JSON, once it happened; NULL while it is under way. */
  result: string | null;
}

/** Keyed by (model, provider, effective_from): an override holds from its date until the next one. */
export interface ModelPriceTable {
  /** Exact model id this override applies to. */
  model: string;
  /** '' = any provider. */
  provider: string;
  input_micros_per_mtok: number;
  output_micros_per_mtok: number;
  cache_read_micros_per_mtok: number | null;
  cache_write_micros_per_mtok: number | null;
  effective_from: number;
  created_at: ColumnType<number, number, never>;
}

export interface CustomerTable {
  id: string;
  name: string;
  /** Today's budget; a past one is in customer_budget_history (`budgetsAt`). */
  monthly_budget_micros: number | null;
  created_at: ColumnType<number, number, never>;
  updated_at: number;
}

export type Run = Selectable<RunTable>;
export type NewRun = Insertable<RunTable>;
export type Score = Selectable<ScoreTable>;
export type NewScore = Insertable<ScoreTable>;
export type Evaluation = Selectable<EvaluationTable>;
export type NewEvaluation = Insertable<EvaluationTable>;
export type UsageCost = Selectable<UsageCostTable>;
export type NewUsageCost = Insertable<UsageCostTable>;
export type NewNotification = Insertable<NotificationTable>;
export type ModelPrice = Selectable<ModelPriceTable>;
export type NewModelPrice = Insertable<ModelPriceTable>;
export type Customer = Selectable<CustomerTable>;
export type NewCustomer = Insertable<CustomerTable>;
