import { z } from "zod";
import type { BucketUnit } from "./buckets.ts";
import { MAX_TAG_KEY, tagsSchema, wellFormedString } from "./strings.ts";

/**
 * Inputs of the analytics API (tRPC procedures and CSV export). Browser-safe: the dashboard imports
 * these to build its queries. Instants are epoch milliseconds or ISO strings; the parsed value is ms.
 */

export const MAX_WINDOW_DAYS = 400;
const DAY_MS = 86_400_000;

/** Whether Intl knows the zone. Known names are remembered (a formatter costs ~0.3 ms to build; the IANA list is finite). */
export function isTimeZone(tz: string): boolean {
  if (knownZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
  } catch {
    return false;
  }
  if (knownZones.size < 2000) knownZones.add(tz);
  return true;
}
const knownZones = new Set<string>();

/** The last instant an input may name: 9999-12-31T23:59:59.999Z (a zone's local time stays a valid Date past it). */
export const MAX_INSTANT = 253_402_300_799_999;

export const instantSchema = z
  .union([z.number().int(), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === "number" ? v : Date.parse(v)))
  .pipe(z.number().min(0, "before 1970-01-01").max(MAX_INSTANT, "after 9999-12-31"));

const key = wellFormedString().max(200);
const keyList = z.array(key).max(500);

export const windowShape = {
  from: instantSchema,
  to: instantSchema,
  timeZone: z.string().default("UTC").refine(isTimeZone, { message: "unknown IANA time zone" }),
  models: keyList.optional(),
  /** '' selects unattributed usage. */
  customerIds: keyList.optional(),
  functionSlugs: keyList.optional(),
  tags: tagsSchema.optional(),
};

interface WindowLike {
  from: number;
  to: number;
  functionSlugs?: string[] | undefined;
  tags?: Record<string, string> | undefined;
}

function checkWindow(v: WindowLike, ctx: z.RefinementCtx): void {
  if (v.from > v.to) ctx.addIssue({ code: "custom", path: ["to"], message: "`to` is before `from`" });
  if (v.to - v.from > MAX_WINDOW_DAYS * DAY_MS) {
    ctx.addIssue({ code: "custom", path: ["to"], message: `the window is longer than ${MAX_WINDOW_DAYS} days` });
  }
}

/**
 * Aggregates read rollups: model, customer, function slug and promoted tags (TALLY_TAG_KEYS) are all
 * dimensions of some cuboid, but the tag cuboid keeps one (key, value) per row, so an aggregate filters on
 * one tag key at a time (the server also refuses a key that is not promoted, or still being filled).
 */
export const ONE_TAG_PER_AGGREGATE = "aggregates filter on one promoted tag at a time; runs.list takes any";
function checkAggregate(v: WindowLike, ctx: z.RefinementCtx): void {
  checkWindow(v, ctx);
  if (v.tags && Object.keys(v.tags).length > 1) ctx.addIssue({ code: "custom", path: ["tags"], message: ONE_TAG_PER_AGGREGATE });
}

export { type BucketUnit, pickBucket } from "./buckets.ts";

const bucketUnit = z.enum(["hour", "day", "week"]).default("day");
/** Hour buckets: a month at most (744 points a series; a year of hours is a chart no one reads). */
export const MAX_HOURLY_DAYS = 31;

/** A series' window and bucket: hours over at most MAX_HOURLY_DAYS. */
function checkSeries(v: WindowLike & { bucket: BucketUnit }, ctx: z.RefinementCtx): void {
  checkAggregate(v, ctx);
  if (v.bucket === "hour" && v.to - v.from > MAX_HOURLY_DAYS * DAY_MS) {
    ctx.addIssue({ code: "custom", path: ["bucket"], message: `hour buckets cover at most ${MAX_HOURLY_DAYS} days; ask for day or week` });
  }
}
const direction = z.enum(["asc", "desc"]).default("desc");
const limit = z.number().int().min(1).max(500).default(50);
const cursor = z.string().max(1000).optional();
/** Breakdowns: `false` skips the per-row sparklines (rows carry `sparkline: []`) when only totals are shown. */
const sparklines = z.boolean().default(true);
/** Thresholds are exact on a 0.01 grid: the score histogram rollup has 0.01-wide bins. */
const threshold = z
  .number()
  .min(0)
  .max(1)
  .refine((t) => Math.abs(t * 100 - Math.round(t * 100)) < 1e-9, { message: "must be a multiple of 0.01" });

export const summaryInput = z.strictObject(windowShape).superRefine(checkAggregate);

/** A promoted tag key (TALLY_TAG_KEYS) that a breakdown or series splits by (`schemas/dimensions.ts`). */
export const tagKeyInput = wellFormedString().min(1).max(MAX_TAG_KEY);

/** `tagKey` goes with a split by tag, and only with it. */
export function checkTagKey(v: { tagKey?: string | undefined }, byTag: boolean, ctx: z.RefinementCtx): void {
  if (byTag && v.tagKey === undefined) ctx.addIssue({ code: "custom", path: ["tagKey"], message: "required to split by tag" });
  if (!byTag && v.tagKey !== undefined) ctx.addIssue({ code: "custom", path: ["tagKey"], message: "only with a split by tag" });
}

export const spendTimeseriesInput = z
  .strictObject({
    ...windowShape,
    bucket: bucketUnit,
    splitBy: z.enum(["model", "customer", "function", "tag"]).default("model"),
    /** With splitBy "tag": the promoted tag key whose values are the series. */
    tagKey: tagKeyInput.optional(),
    /** Only the `top` series by spend, the rest summed into `other` (a chart's legend); default: every series. */
    top: z.number().int().min(1).max(100).optional(),
  })
  .superRefine(checkSeries)
  .superRefine((v, ctx) => checkTagKey(v, v.splitBy === "tag", ctx));

/**
 * The period a customer's budget use is measured against (default: the window): the dashboard sends a calendar
 * preset's whole month, quarter or year. Its budget counts each calendar month in the zone by its share inside.
 */
export const budgetPeriodInput = z
  .strictObject({ from: instantSchema, to: instantSchema })
  .refine((p) => p.from < p.to && p.to - p.from <= 400 * 86_400_000, { message: "from must be before to, at most 400 days apart" });

export const spendByCustomerInput = z
  .strictObject({
    ...windowShape,
    sort: z.enum(["spend", "runs", "costPerRun", "share", "customerId"]).default("spend"),
    direction,
    limit,
    cursor,
    sparklines,
    budgetPeriod: budgetPeriodInput.optional(),
  })
  .superRefine(checkAggregate);

export const spendByModelInput = z
  .strictObject({
    ...windowShape,
    sort: z.enum(["spend", "runs", "costPerRun", "share", "model"]).default("spend"),
    direction,
    limit,
    cursor,
    sparklines,
  })
  .superRefine(checkAggregate);

export const qualityTrendInput = z
  .strictObject({
    ...windowShape,
    bucket: bucketUnit,
    scoreNames: keyList.optional(),
    /** Human-corrected: where reviewers scored a criterion, the mean of their values replaces the judge's (n unchanged). */
    corrected: z.boolean().default(false),
  })
  .superRefine(checkSeries);

/** Judge–human agreement per score name × judge model × rubric version, over the same filters as quality. */
export const qualityAgreementInput = z
  .strictObject({ ...windowShape, scoreNames: keyList.optional() })
  .superRefine(checkAggregate);

/** Human-corrected, as on quality.trend: reviewers' mean in place of the judge's value where they scored (n unchanged). */
const corrected = z.boolean().default(false);

export const compareModelsInput = z
  .strictObject({ ...windowShape, baselineModel: key.min(1), scoreNames: keyList.optional(), corrected })
  .superRefine(checkAggregate);

export const costVsQualityInput = z
  .strictObject({ ...windowShape, scoreName: key.min(1), threshold, corrected })
  .superRefine(checkAggregate);

/** Runs page order: by time, cost or score (the filtered score name's value, else the run's lowest score). */
export const runsSort = z.enum(["time-desc", "time-asc", "cost-desc", "cost-asc", "score-desc", "score-asc"]);

/**
 * What runs.list's model, customer and time filters select. "run": the run's own model, customer and time (a
 * quality chart point: scores belong to the run). "spend": the runs behind a spend figure, booked as spend is
 * (SPEND_PARTS): an agent line of that model and customer in the window, or the run itself matching with a judge
 * line (the judge's spend counts under the judged run). A run of one model calling another is listed under the
 * model that spent.
 */
export const runsBasis = z.enum(["run", "spend"]);
/** The longest window runs.list and runs.csv list by spend (its runs are found from the raw usage lines). */
export const MAX_SPEND_BASIS_DAYS = 92;
export const MAX_SPEND_BASIS_MS = MAX_SPEND_BASIS_DAYS * DAY_MS;

export const runsListInput = z
  .strictObject({
    ...windowShape,
    basis: runsBasis.default("run"),
    sort: runsSort.default("time-desc"),
    scoreName: key.min(1).optional(),
    scoreMin: z.number().min(0).max(1).optional(),
    scoreMax: z.number().min(0).max(1).optional(),
    limit,
    cursor,
  })
  .superRefine((v, ctx) => {
    checkWindow(v, ctx);
    if (v.basis === "spend" && v.to - v.from > MAX_SPEND_BASIS_MS) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `the runs behind spend are listed over at most ${MAX_SPEND_BASIS_DAYS} days: narrow the window` });
    }
    if ((v.scoreMin !== undefined || v.scoreMax !== undefined) && v.scoreName === undefined) {
      ctx.addIssue({ code: "custom", path: ["scoreName"], message: "required with scoreMin/scoreMax" });
    }
    if (v.scoreMin !== undefined && v.scoreMax !== undefined && v.scoreMin > v.scoreMax) {
      ctx.addIssue({ code: "custom", path: ["scoreMax"], message: "`scoreMax` is below `scoreMin`" });
    }
  });

export const runByIdInput = z.strictObject({ runId: key.min(1) });

/** A monthly budget's ceiling (micro-USD): a budget period of up to 400 days (14 months) still sums exactly (< 2^53). */
export const MAX_BUDGET_MICROS = 1e14;

export const customerUpsertInput = z.strictObject({
  /** Trimmed, as usage payloads store a customer id (a pasted "acme " must not miss acme's spend). */
  id: wellFormedString().trim().min(1).max(200),
  name: wellFormedString().trim().min(1).max(200),
  /**
   * Integer micro-USD per calendar month, above 0 (no budget is null, not $0); null clears it; left out keeps the
   * customer's budget (a new customer has none). At most $100,000,000 a month ({@link MAX_BUDGET_MICROS}).
   */
  monthlyBudgetMicros: z
    .number()
    .int()
    .min(1, "a monthly budget is more than $0: send null for no budget")
    .max(MAX_BUDGET_MICROS, "at most $100,000,000 a month")
    .nullable()
    .optional(),
});

export const pricesListInput = z.strictObject({ model: key.optional() }).default({});

/**
 * Override prices are bounded ($1,000 per Mtok; the catalog's dearest is $600) so that a line of at most
 * 1e12 input and 1e12 output tokens costs at most 2e15 micro-USD, an exact integer (MAX_COST_MICROS).
 */
export const MAX_PRICE_MICROS_PER_MTOK = 1e9;
const pricePerMtok = z.number().int().min(0).max(MAX_PRICE_MICROS_PER_MTOK);

export const priceUpsertInput = z.strictObject({
  model: key.min(1),
  /** '' = any provider. */
  provider: key.default(""),
  inputMicrosPerMtok: pricePerMtok,
  outputMicrosPerMtok: pricePerMtok,
  cacheReadMicrosPerMtok: pricePerMtok.nullable().default(null),
  cacheWriteMicrosPerMtok: pricePerMtok.nullable().default(null),
  effectiveFrom: instantSchema,
});

export type SummaryInput = z.infer<typeof summaryInput>;
export type SpendTimeseriesInput = z.infer<typeof spendTimeseriesInput>;
export type SpendByCustomerInput = z.infer<typeof spendByCustomerInput>;
export type SpendByModelInput = z.infer<typeof spendByModelInput>;
export type QualityTrendInput = z.infer<typeof qualityTrendInput>;
export type QualityAgreementInput = z.infer<typeof qualityAgreementInput>;
export type CompareModelsInput = z.infer<typeof compareModelsInput>;
export type CostVsQualityInput = z.infer<typeof costVsQualityInput>;
export type RunsListInput = z.infer<typeof runsListInput>;
export type RunsSort = z.infer<typeof runsSort>;
export type RunsBasis = z.infer<typeof runsBasis>;
export type CustomerUpsertInput = z.infer<typeof customerUpsertInput>;
export type PriceUpsertInput = z.infer<typeof priceUpsertInput>;
/** The filter part every aggregate shares (parsed form). */
export type WindowFilter = z.infer<typeof summaryInput>;
