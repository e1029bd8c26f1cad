import { NonRetriableError } from "inngest";
import { createDefer } from "inngest/experimental";
import { notifyPayloadSchema } from "@tally/shared";
import type { TallyInngest } from "../client.ts";
import { DEFAULT_FLOW, type Deps, now } from "../deps.ts";
import { endClaim, onceAcrossDeliveries } from "../record/claim.ts";
import { recordNotification } from "../record/notification.ts";
import { parentRun, parsePayload, runContext } from "./context.ts";
import { postToSlack, SLACK_TIMEOUT_MS } from "./slack.ts";

/** Posts a run summary to a Slack incoming webhook, then records that it was sent (once per key); at most `notifyConcurrency` at once. */
export function notifyAgentCompletion(inngest: TallyInngest, deps: Deps) {
  return createDefer(
    inngest,
    {
      id: "notify-agent-completion",
      name: "Notify agent completion",
      schema: notifyPayloadSchema,
      concurrency: { limit: (deps.flow ?? DEFAULT_FLOW).notifyConcurrency },
    },
    async (ctx) => {
      const data = parsePayload(notifyPayloadSchema, ctx.event.data);
      const webhookUrl = deps.slack.webhookUrl;
      if (!webhookUrl) {
        throw new NonRetriableError("SLACK_WEBHOOK_URL is not configured: set it to a Slack incoming webhook URL");
      }
      const parent = parentRun(ctx);
      const httpStatus = await ctx.step.run("post-to-slack", () => {
        // A repeated delivery of a notification already sent posts nothing again; overlapping ones post once (claim.ts).
        const claim = { kind: "slack" as const, key: runContext(deps, ctx, data).key, runId: parent.runId };
        const recorded = async () => !!(await deps.db.selectFrom("notifications").select("id").where("id", "=", claim.key).where("status", "=", "sent").executeTakeFirst());
        return onceAcrossDeliveries(deps.db, claim, { longestMs: SLACK_TIMEOUT_MS, now: now(deps), recorded }, () =>
          postToSlack(webhookUrl, { ...data, parentFn: parent.fnSlug, parentRunId: parent.runId }),
        );
      });
      if (httpStatus === null) return { inserted: false };
      return ctx.step.run("record-notification", async () => {
        const { run, key } = runContext(deps, ctx, data);
        const written = await recordNotification(deps.db, run, { key, deferredRunId: ctx.runId, channel: data.channel, httpStatus });
        await endClaim(deps.db, { kind: "slack", key });
        return written;
      });
    },
  );
}
