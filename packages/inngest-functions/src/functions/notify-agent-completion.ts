import { NonRetriableError } from "inngest";
import { createDefer } from "inngest/experimental";
import { notifyPayloadSchema } from "@tally/shared";
import type { TallyInngest } from "../client.ts";
import { DEFAULT_FLOW, type Deps } from "../deps.ts";
import { recordNotification } from "../record/notification.ts";
import { parentRun, parsePayload, runContext } from "./context.ts";
import { postToSlack } from "./slack.ts";

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
      const httpStatus = await ctx.step.run("post-to-slack", async () => {
        // A repeated delivery of a notification already sent posts nothing again.
        const sent = await deps.db.selectFrom("notifications").select("id").where("id", "=", runContext(deps, ctx, data).key).where("status", "=", "sent").executeTakeFirst();
        return sent ? null : postToSlack(webhookUrl, { ...data, parentFn: parent.fnSlug, parentRunId: parent.runId });
      });
      if (httpStatus === null) return { inserted: false };
      return ctx.step.run("record-notification", () => {
        const { run, key } = runContext(deps, ctx, data);
        return recordNotification(deps.db, run, { key, deferredRunId: ctx.runId, channel: data.channel, httpStatus });
      });
    },
  );
}
