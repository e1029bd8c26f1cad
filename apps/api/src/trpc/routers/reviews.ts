import { TRPCError, type TRPCRouterRecord } from "@trpc/server";
import { reviewItemInput, reviewQueueInput, reviewSamplingRemoveInput, reviewSamplingSetInput, reviewSubmitInput } from "@tally/shared";
import { DEFAULT_REVIEW_SETTINGS, listReviewSampling, removeReviewSampling, setReviewSampling, submitReview } from "../../queries/review-submit.ts";
import { getReviewItem, listReviewQueue } from "../../queries/reviews.ts";
import { procedure } from "../init.ts";

/** Human review: the queue and its items (everyone who reads), submitting reviews and the sampling settings (reviewers). */
export const reviewsRouter = {
  queue: procedure("read").input(reviewQueueInput).query(({ ctx, input }) => listReviewQueue(ctx.db, input)),
  item: procedure("read")
    .input(reviewItemInput)
    .query(async ({ ctx, input }) => {
      const item = await getReviewItem(ctx.db, input.id, ctx.principal.id, input.queue ?? { status: "pending" });
      if (!item) throw new TRPCError({ code: "NOT_FOUND", message: `no review item ${input.id}` });
      return item;
    }),
  submit: procedure("review")
    .input(reviewSubmitInput)
    .mutation(({ ctx, input }) => submitReview(ctx.db, ctx.principal, input, ctx.review ?? DEFAULT_REVIEW_SETTINGS, ctx.now())),
  sampling: {
    list: procedure("read").query(({ ctx }) => listReviewSampling(ctx.db, ctx.review ?? DEFAULT_REVIEW_SETTINGS)),
    set: procedure("review").input(reviewSamplingSetInput).mutation(({ ctx, input }) => setReviewSampling(ctx.db, ctx.principal, input, ctx.now())),
    remove: procedure("review").input(reviewSamplingRemoveInput).mutation(({ ctx, input }) => removeReviewSampling(ctx.db, ctx.principal, input, ctx.now())),
  },
} satisfies TRPCRouterRecord;
