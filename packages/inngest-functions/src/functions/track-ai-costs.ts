import { NonRetriableError } from "inngest";
import { createDefer } from "inngest/experimental";
import { trackCostsPayloadSchema } from "@tally/shared";
import { normalizeUsage, UsageError } from "@tally/shared/pricing";
import type { TallyInngest } from "../client.ts";
import type { Deps } from "../deps.ts";
import { recordUsage } from "../record/usage.ts";
import { parsePayload, runContext } from "./context.ts";

/** Prices the parent's token usage (genai-prices + dated overrides) and records it per model and customer. */
export function trackAiCosts(inngest: TallyInngest, deps: Deps) {
  return createDefer(
    inngest,
    { id: "track-ai-costs", name: "Track AI costs", schema: trackCostsPayloadSchema },
    async (ctx) => {
      const data = parsePayload(trackCostsPayloadSchema, ctx.event.data);
      return ctx.step.run("record-usage", async () => {
        const { run, key } = runContext(deps, ctx, data);
        try {
          return await recordUsage(deps.db, run, {
            key,
            deferredRunId: ctx.runId,
            kind: "agent",
            model: data.model,
            provider: data.provider,
            usage: normalizeUsage(data),
            reportedCostUsd: data.reportedCostUsd,
          });
        } catch (e) {
          // Usage that cannot be read, counts out of bounds, a cost that is not an exact integer: retrying will not help.
          if (e instanceof UsageError) throw new NonRetriableError(e.message);
          throw e;
        }
      });
    },
  );
}
