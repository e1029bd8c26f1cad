import { z } from "zod";
import { instantSchema, isTimeZone } from "./analytics.ts";
import { freeText, wellFormedString } from "./strings.ts";

/**
 * Inputs of the human review procedures (`reviews.*`). Browser-safe: the Review page imports these. A review
 * item is a scored run in the review queue; reviewers (capability `review`) label it, several per item.
 */

export const REVIEW_STATUSES = ["pending", "reviewed", "expired"] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
export const REVIEW_VERDICTS = ["good", "bad"] as const;
export const REVIEW_NOTE_MAX = 2_000;
/** The judge's scale, on which reviewers score too. */
export const REVIEW_SCALE = { min: 1, max: 5 } as const;
/** A criterion scored below this (raw, 1–5) by the judge goes to review when its score name has no setting. */
export const DEFAULT_REVIEW_THRESHOLD = 3;

const key = wellFormedString().trim().max(200, { message: "must be at most 200 characters" });
const itemId = wellFormedString().min(1, { message: "itemId is required" }).max(1000, { message: "itemId must be at most 1000 characters" });
const scoreName = z
  .string({ message: "score name must be a string" })
  .regex(/^[a-z][a-z0-9_]{0,39}$/, { message: "score names are lower_snake_case, at most 40 characters" });

const status = z.enum([...REVIEW_STATUSES, "all"], { message: "status must be pending, reviewed, expired or all" });
const queueShape = {
  status: status.default("pending"),
  model: key.min(1).optional(),
  scoreName: scoreName.optional(),
  /** The judge model and rubric version that scored the item (an agreement row's link narrows to its own). */
  judgeModel: key.min(1).optional(),
  rubricVersion: key.min(1).optional(),
  /** '' selects runs without a known customer. */
  customerId: key.optional(),
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  /** Only items where a reviewer's score differs from the judge's (on `scoreName` when given, else any criterion). */
  disagree: z.boolean().optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.number().int().min(1).max(200).default(50),
};
const checkRange = (v: { from?: number | undefined; to?: number | undefined }, ctx: z.RefinementCtx) => {
  if (v.from !== undefined && v.to !== undefined && v.from > v.to) ctx.addIssue({ code: "custom", path: ["to"], message: "`to` is before `from`" });
};
export const reviewQueueInput = z.strictObject(queueShape).superRefine(checkRange);
export type ReviewQueueInput = z.infer<typeof reviewQueueInput>;
/** `/api/export/reviews.csv`: the queue's filters (paging ignored), every status unless one is given, and the zone of its times. */
export const reviewExportInput = z
  .strictObject({
    ...queueShape,
    status: status.default("all"),
    /** The zone the file's times are written in (ISO with the offset). */
    timeZone: z.string().default("UTC").refine(isTimeZone, { message: "unknown IANA time zone" }),
  })
  .superRefine(checkRange);
export type ReviewExportInput = z.infer<typeof reviewExportInput>;

/** The queue's filters without paging: `reviews.item` gives prev/next ids in this queue's order. */
export const reviewItemInput = z.strictObject({
  id: itemId,
  queue: reviewQueueInput.optional(),
});
export type ReviewItemInput = z.infer<typeof reviewItemInput>;

/**
 * A reviewer's note, typed in a textarea: line breaks and tabs are kept; U+0000, any other control character
 * and a lone surrogate are refused (they cannot be stored as sent, or land raw in the CSV).
 */
const noteText = freeText()
  .refine((s) => !/\p{Cs}/u.test(s), { message: "note contains a lone UTF-16 surrogate (an ill-formed string that cannot be stored as sent)" })
  .refine((s) => !/[^\P{Cc}\t\n\r\0]/u.test(s), { message: "note contains a control character other than a line break or a tab" });

export const reviewSubmitInput = z
  .strictObject({
    itemId,
    verdict: z.enum(REVIEW_VERDICTS, { message: "verdict must be good or bad" }),
    note: noteText
      .trim()
      .max(REVIEW_NOTE_MAX, { message: `note must be at most ${REVIEW_NOTE_MAX} characters` })
      .optional()
      .transform((v) => (v === "" ? undefined : v)),
    scores: z
      .array(
        z.strictObject({
          name: scoreName,
          rawValue: z
            .number({ message: "rawValue must be a whole number from 1 to 5" })
            .int({ message: "rawValue must be a whole number from 1 to 5" })
            .min(REVIEW_SCALE.min, { message: "rawValue must be a whole number from 1 to 5" })
            .max(REVIEW_SCALE.max, { message: "rawValue must be a whole number from 1 to 5" }),
        }),
      )
      .max(10, { message: "at most 10 scores (one per criterion)" })
      .default([]),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.scores.forEach((s, i) => {
      if (seen.has(s.name)) ctx.addIssue({ code: "custom", path: ["scores", i, "name"], message: `"${s.name}" is scored twice` });
      seen.add(s.name);
    });
  });
export type ReviewSubmitInput = z.infer<typeof reviewSubmitInput>;

const rate = z
  .number({ message: "rate must be a number from 0 to 1" })
  .min(0, { message: "rate must be from 0 to 1" })
  .max(1, { message: "rate must be from 0 to 1" });
const threshold = z
  .number({ message: "threshold must be a number from 1 to 6, or null (none)" })
  .min(REVIEW_SCALE.min, { message: "threshold must be from 1 to 6 (6: every score below 6, so every run)" })
  .max(REVIEW_SCALE.max + 1, { message: "threshold must be from 1 to 6 (6: every score below 6, so every run)" })
  .nullable();

/** Per score name: the share of scored runs sampled for review, and the judge score (1–5) below which a run always goes. */
export const reviewSamplingSetInput = z.strictObject({ name: scoreName, rate, threshold });
export const reviewSamplingRemoveInput = z.strictObject({ name: scoreName });
export type ReviewSamplingSetInput = z.infer<typeof reviewSamplingSetInput>;
export type ReviewSamplingRemoveInput = z.infer<typeof reviewSamplingRemoveInput>;
