import { z } from "zod";
import { windowShape } from "./analytics.ts";
import { catalogId, wellFormedString } from "./strings.ts";

/**
 * Alert rules and channels (issue 18), browser-safe: Settings imports these. A rule is a kind and its
 * parameters (`alertRuleParams`, one schema per kind); money is integer micro-USD, windows whole hours from
 * 1 to 720 (30 days), rates and score thresholds 0…1. Whether a customer or a score name exists is checked
 * against the database by the API (a 400 on `params.customerId` / `params.scoreName`).
 */
export const ALERT_RULE_KINDS = ["budget", "forecast", "spend_over", "spend_spike", "quality_drop", "unpriced", "judge_failures"] as const;
export type AlertRuleKindName = (typeof ALERT_RULE_KINDS)[number];
export const MAX_WINDOW_HOURS = 720;
/** The built-in budget rule (migration 0011): 80% and 100% for every customer with a monthly budget. */
export const BUILTIN_BUDGET_RULE_ID = "builtin-budget";

const windowHours = (name: string) =>
  z
    .number({ message: `${name} must be a number of hours` })
    .int({ message: `${name} must be whole hours` })
    .min(1, { message: `${name} must be at least 1 hour` })
    .max(MAX_WINDOW_HOURS, { message: `${name} must be at most ${MAX_WINDOW_HOURS} hours (30 days)` });
const micros = (name: string) =>
  z
    .number({ message: `${name} must be a number of micro-USD` })
    .int({ message: `${name} must be whole micro-USD` })
    .min(0, { message: `${name} must not be negative` })
    .max(1e15, { message: `${name} is too large` });
const share = (name: string) =>
  z.number({ message: `${name} must be a number from 0 to 1` }).min(0, { message: `${name} must be from 0 to 1` }).max(1, { message: `${name} must be from 0 to 1` });
const id = (name: string) =>
  wellFormedString()
    .trim()
    .min(1, { message: `${name} must not be empty` })
    .max(200, { message: `${name} must be at most 200 characters` });
const model = id("model").transform(catalogId);

export const budgetParams = z.strictObject({
  thresholds: z
    .array(z.number({ message: "thresholds must be percentages" }).gt(0, { message: "thresholds must be above 0%" }).max(1000, { message: "thresholds must be at most 1000%" }), {
      message: "thresholds must be a list of percentages",
    })
    .min(1, { message: "thresholds needs at least one percentage" })
    .max(5, { message: "thresholds takes at most 5 percentages" })
    .transform((t) => [...new Set(t)].sort((a, b) => a - b)),
  customerId: id("customerId").optional(),
});
export const forecastParams = z.strictObject({ customerId: id("customerId").optional() });
export const spendOverParams = z.strictObject({
  amountMicros: micros("amountMicros").refine((v) => v > 0, { message: "amountMicros must be above 0" }),
  windowHours: windowHours("windowHours"),
  model: model.optional(),
});
export const spendSpikeParams = z
  .strictObject({
    by: z.enum(["model", "customer"], { message: "by must be model or customer" }),
    windowHours: windowHours("windowHours"),
    baselineHours: windowHours("baselineHours"),
    factor: z.number({ message: "factor must be a number" }).gt(1, { message: "factor must be above 1" }).max(1000, { message: "factor must be at most 1000" }),
    minMicros: micros("minMicros").default(0),
  })
  .refine((p) => p.baselineHours >= p.windowHours, { path: ["baselineHours"], message: "baselineHours must be at least windowHours" })
  .refine((p) => p.baselineHours + p.windowHours <= MAX_WINDOW_HOURS, { path: ["baselineHours"], message: "windowHours + baselineHours must be at most 720 hours (30 days)" });
export const qualityDropParams = z
  .strictObject({
    scoreName: id("scoreName"),
    model: model.optional(),
    windowHours: windowHours("windowHours"),
    threshold: share("threshold").optional(),
    compareToPrevious: z.boolean({ message: "compareToPrevious must be true or false" }).optional(),
    minSamples: z.number({ message: "minSamples must be a number" }).int({ message: "minSamples must be whole" }).min(2, { message: "minSamples must be at least 2" }).max(1e9).default(30),
  })
  .refine((p) => p.threshold !== undefined || p.compareToPrevious === true, { path: ["threshold"], message: "give a threshold, or compareToPrevious: true" });
export const unpricedParams = z.strictObject({ model: model.optional(), windowHours: windowHours("windowHours").default(24) });
export const judgeFailuresParams = z.strictObject({
  rate: share("rate"),
  windowHours: windowHours("windowHours"),
  minRuns: z.number({ message: "minRuns must be a number" }).int({ message: "minRuns must be whole" }).min(1, { message: "minRuns must be at least 1" }).max(1e9).default(10),
});

export const ALERT_PARAMS = {
  budget: budgetParams,
  forecast: forecastParams,
  spend_over: spendOverParams,
  spend_spike: spendSpikeParams,
  quality_drop: qualityDropParams,
  unpriced: unpricedParams,
  judge_failures: judgeFailuresParams,
} as const;

const spec = <K extends AlertRuleKindName>(k: K) => z.object({ kind: z.literal(k), params: ALERT_PARAMS[k] });
/** `{ kind, params }` discriminated by kind (issues under `params.<field>`). */
export const alertRuleParams = z.discriminatedUnion(
  "kind",
  [spec("budget"), spec("forecast"), spec("spend_over"), spec("spend_spike"), spec("quality_drop"), spec("unpriced"), spec("judge_failures")],
  { message: `kind must be one of ${ALERT_RULE_KINDS.join(", ")}` },
);
/** A rule's kind with its parsed parameters. */
export type AlertRuleSpec = z.output<typeof alertRuleParams>;
export type AlertParams<K extends AlertRuleKindName> = z.output<(typeof ALERT_PARAMS)[K]>;

const name = wellFormedString().trim().min(1, { message: "name is required" }).max(120, { message: "name must be at most 120 characters" });
const ruleId = z.string({ message: "id is required" }).min(1, { message: "id is required" }).max(100);

export const alertRuleCreateInput = z
  .strictObject({ kind: z.enum(ALERT_RULE_KINDS, { message: `kind must be one of ${ALERT_RULE_KINDS.join(", ")}` }), name, params: z.unknown(), enabled: z.boolean().default(true) })
  .transform((v, ctx) => {
    const p = ALERT_PARAMS[v.kind].safeParse(v.params ?? {});
    if (!p.success) {
      for (const i of p.error.issues) ctx.addIssue({ code: "custom", path: ["params", ...i.path.map(String)], message: i.message });
      return z.NEVER;
    }
    return { ...v, params: p.data } as AlertRuleSpec & { name: string; enabled: boolean };
  });
/** `params` replaces the rule's parameters whole; they are checked against the rule's kind by the API. */
export const alertRuleUpdateInput = z.strictObject({ id: ruleId, name: name.optional(), params: z.unknown().optional(), enabled: z.boolean({ message: "enabled must be true or false" }).optional() });
export const alertRuleRemoveInput = z.strictObject({ id: ruleId });

/** Channel URLs: https, or http to a loopback host (tests, a local relay). */
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
export const channelUrl = z
  .string({ message: "url is required" })
  .trim()
  .max(2000, { message: "url must be at most 2000 characters" })
  .refine((u) => URL.canParse(u), { message: "url must be a full URL (https://…)" })
  .refine(
    (u) => {
      if (!URL.canParse(u)) return true;
      const x = new URL(u);
      return x.protocol === "https:" || (x.protocol === "http:" && LOOPBACK.has(x.hostname));
    },
    { message: "url must use https (http only for localhost)" },
  )
  .refine((u) => !URL.canParse(u) || (new URL(u).username === "" && new URL(u).password === ""), { message: "url must not carry a user name or password" });
export const ALERT_CHANNEL_KINDS = ["slack", "webhook"] as const;
export const alertChannelCreateInput = z.strictObject({
  kind: z.enum(ALERT_CHANNEL_KINDS, { message: "kind must be slack or webhook" }),
  name,
  url: channelUrl,
});
export const alertChannelUpdateInput = z.strictObject({ id: ruleId, name: name.optional(), url: channelUrl.optional(), enabled: z.boolean({ message: "enabled must be true or false" }).optional() });
export const alertChannelRemoveInput = z.strictObject({ id: ruleId });

export const alertHistoryInput = z.strictObject({
  ruleId: z.string().max(100).optional(),
  status: z.enum(["pending", "sent", "failed"], { message: "status must be pending, sent or failed" }).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export type AlertRuleCreateInput = z.output<typeof alertRuleCreateInput>;
export type AlertRuleUpdateInput = z.output<typeof alertRuleUpdateInput>;
export type AlertChannelCreateInput = z.output<typeof alertChannelCreateInput>;
export type AlertChannelUpdateInput = z.output<typeof alertChannelUpdateInput>;
export type AlertHistoryInput = z.output<typeof alertHistoryInput>;

/** `alerts.budgets`: the month containing the window's end (or now, if earlier), in `timeZone`. */
export const alertBudgetsInput = z
  .strictObject({ from: windowShape.from, to: windowShape.to, timeZone: windowShape.timeZone })
  .refine((v) => v.from <= v.to, { path: ["to"], message: "`to` is before `from`" });
export type AlertBudgetsInput = z.output<typeof alertBudgetsInput>;
