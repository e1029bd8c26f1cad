import { z } from "zod";
import { DEFAULT_CRITERIA, notifyPayloadSchema, scorePayloadSchema } from "@tally/shared";
import type { TallyInngest } from "../client.ts";
import type { Deps } from "../deps.ts";
import { ZERO_USAGE } from "../judge/chat.ts";
import { rubricVersion } from "../judge/judge.ts";
import { type ClaimRef, keyInUse, otherRunHolding } from "../record/claim.ts";
import { recordEvaluation } from "../record/evaluation.ts";
import { recordNotification } from "../record/notification.ts";
import { runContext } from "./context.ts";
import { judgeModelOf } from "./score-agent-output.ts";

/**
 * What Inngest sends (`inngest/function.failed`) when a run has failed its last attempt: the failed run's
 * id, its final error and its triggering event, here a deferred event whose data carries `_inngest`.
 */
const failedRunSchema = z.object({
  function_id: z.string(),
  run_id: z.string().min(1),
  error: z.looseObject({ name: z.string().optional(), message: z.string().optional() }),
  event: z.looseObject({
    ts: z.number().optional(),
    data: z.looseObject({
      _inngest: z.looseObject({ parent_fn_slug: z.string().min(1), parent_run_id: z.string().trim().min(1) }),
    }),
  }),
});

type FailedRun = z.output<typeof failedRunSchema>;
type Skip = { recorded: false; reason: string };

/**
 * The failure handler of a deferred function: its own Inngest function, triggered by
 * `inngest/function.failed` for that function, as the SDK registers `onFailure` (id `<fn>-failure`).
 * `createDefer` does not take `onFailure` (the SDK would serve the failure id with the deferred handler),
 * so it is declared the way the SDK declares it for `createFunction`.
 */
function onFailureOf(
  inngest: TallyInngest,
  fnId: string,
  name: string,
  record: (failed: FailedRun, data: Record<string, unknown>) => Promise<{ inserted: boolean } | Skip>,
) {
  return inngest.createFunction(
    {
      id: `${fnId}-failure`,
      name: `${name} (failure)`,
      retries: 3,
      triggers: [{ event: "inngest/function.failed", if: `event.data.function_id == '${inngest.id}-${fnId}'` }],
    },
    async ({ event, step }) => {
      const failed = failedRunSchema.safeParse(event.data);
      // Nothing to record against without the failed run's parent: say why, never fail in turn.
      if (!failed.success) return { recorded: false, reason: `not a deferred run's failure: ${z.prettifyError(failed.error)}` };
      const { _inngest, ...data } = failed.data.event.data;
      const failedRun = failed.data;
      return step.run("record-failure", () => record(failedRun, data));
    },
  );
}

/** Records a failed evaluation (no judge call counted, no score) for a score run that failed every attempt. */
export function scoreAgentOutputFailure(inngest: TallyInngest, deps: Deps) {
  return onFailureOf(inngest, "score-agent-output", "Score agent output", async (failed, raw) => {
    const data = scorePayloadSchema.safeParse(raw);
    if (!data.success) return invalid(data.error);
    const judgeConfig = deps.judge;
    const { run, key } = runContext(deps, failedCtx(failed), data.data);
    const other = await claimedForAnotherRun(deps, { kind: "judge", key, runId: run.runId });
    if (other) return other;
    return recordEvaluation(deps.db, run, {
      key,
      deferredRunId: failed.run_id,
      model: data.data.model,
      judgeModel: judgeConfig ? judgeModelOf(judgeConfig) : "",
      judgeProvider: judgeConfig && judgeConfig !== "simulated" ? judgeConfig.provider : undefined,
      rubricVersion: rubricVersion(data.data.criteria ?? DEFAULT_CRITERIA),
      judgeCalls: 0,
      judgeUsage: ZERO_USAGE,
      outcome: { ok: false, error: `every attempt failed: ${errorText(failed)}`, rawOutput: "" },
    });
  });
}

/** Records a failed notification (the webhook's last HTTP status, 0 without an answer) for a notify run that failed every attempt. */
export function notifyAgentCompletionFailure(inngest: TallyInngest, deps: Deps) {
  return onFailureOf(inngest, "notify-agent-completion", "Notify agent completion", async (failed, raw) => {
    const data = notifyPayloadSchema.safeParse(raw);
    if (!data.success) return invalid(data.error);
    const httpStatus = Number(/Slack webhook answered (\d{3})/.exec(errorText(failed))?.[1] ?? 0);
    const { run, key } = runContext(deps, failedCtx(failed), data.data);
    const other = await claimedForAnotherRun(deps, { kind: "slack", key, runId: run.runId });
    if (other) return other;
    return recordNotification(deps.db, run, { key, deferredRunId: failed.run_id, channel: data.data.channel, httpStatus, status: "failed" });
  });
}

/**
 * A key whose judge call or post another run holds (claim.ts; this run was refused for reusing it): its outcome
 * is that run's to record, so this failure records nothing under the key.
 */
async function claimedForAnotherRun(deps: Deps, ref: ClaimRef): Promise<Skip | null> {
  const heldBy = await otherRunHolding(deps.db, ref);
  return heldBy === null ? null : { recorded: false, reason: keyInUse(ref, heldBy) };
}

/** The failed run as `runContext` reads a deferred run: same key, same parent, same time. */
function failedCtx(failed: FailedRun) {
  const parent = failed.event.data._inngest;
  return { runId: failed.run_id, event: failed.event, parents: [{ fnSlug: parent.parent_fn_slug, runId: parent.parent_run_id }] };
}

function invalid(error: z.ZodError): Skip {
  return { recorded: false, reason: `invalid payload: ${z.prettifyError(error)}` };
}

function errorText(failed: FailedRun): string {
  return (failed.error.message ?? failed.error.name ?? "unknown error").slice(0, 2000);
}
