import type { TallyInngest } from "../client.ts";
import { type Deps, now } from "../deps.ts";
import { type DeliveryConfig, deliverNotification, deliveryChannels } from "../alerts/deliver.ts";
import { type AlertEvaluation, enabledRules, evaluateRules, parseRule } from "../alerts/evaluate.ts";
import { changeable, recordEvaluations } from "../alerts/transitions.ts";

/** Retries of each step (a send is tried 1 + this many times, then marked failed). */
export const ALERT_RETRIES = 3;
/** Notifications sent per tick; the rest stay pending for the next tick (a run has at most 1,000 steps). */
export const MAX_SENDS_PER_TICK = 200;

/** Where a run's step failed for good: the message, recorded instead of failing the whole tick. */
type Failed = { error: string };

/**
 * `fn` in a step body; on the last attempt its error is returned instead of thrown, so one rule or one
 * channel failing for good leaves the other rules and sends of the tick running.
 */
async function orFailure<T>(lastAttempt: boolean, fn: () => Promise<T>): Promise<T | Failed> {
  try {
    return await fn();
  } catch (e) {
    if (!lastAttempt) throw e;
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Every 5 minutes: evaluates each enabled rule from the rollups in its own step (keeping the evaluations that
 * can change something: firing, or resolving a firing state), records its states and, for
 * each transition (firing, resolved), a pending notification per channel keyed rule × subject × period × event ×
 * channel (a duplicate or retried tick adds none), then sends each pending notification in its own step, so a
 * failing channel is retried alone. One run at a time, so two ticks never send the same notification.
 */
export function evaluateAlerts(inngest: TallyInngest, deps: Deps) {
  const delivery: DeliveryConfig = {
    publicUrl: deps.alerts?.publicUrl ?? "http://localhost:3000",
    defaultSlackUrl: deps.slack.webhookUrl,
    allowPrivate: deps.alerts?.allowPrivateDestinations ?? false,
  };
  const timeZone = deps.judgeGate?.timeZone ?? "UTC";
  return inngest.createFunction(
    {
      id: "evaluate-alerts",
      name: "Evaluate alerts",
      retries: ALERT_RETRIES,
      concurrency: { limit: 1 },
      triggers: [{ cron: "*/5 * * * *" }],
    },
    async ({ step, attempt, maxAttempts }) => {
      const lastAttempt = () => attempt + 1 >= (maxAttempts ?? ALERT_RETRIES + 1);
      const rules = await step.run("load-rules", () => enabledRules(deps.db));
      let transitions = 0;
      const ruleErrors: Record<string, string> = {};
      for (const rule of rules) {
        // A rule whose stored params no longer parse is left as it is (its states kept), not read as "nothing fires".
        const evaluated = await step.run(`evaluate-${rule.id}`, async (): Promise<AlertEvaluation[] | Failed> =>
          parseRule(rule)
            ? orFailure(lastAttempt(), async () => changeable(deps.db, rule.id, await evaluateRules(deps.db, [rule], { now: now(deps), timeZone })))
            : { error: "stored params do not parse for its kind" },
        );
        if ("error" in evaluated) {
          ruleErrors[rule.id] = evaluated.error;
          continue;
        }
        const recorded = await step.run(`record-${rule.id}`, async () =>
          recordEvaluations(deps.db, rule.id, evaluated, await deliveryChannels(deps.db, delivery.defaultSlackUrl), now(deps)),
        );
        transitions += recorded.transitions;
      }
      const pending = await step.run("pending-notifications", async () =>
        (
          await deps.db
            .selectFrom("alert_notifications")
            .select("id")
            .where("status", "=", "pending")
            .orderBy("created_at")
            .orderBy("id")
            .limit(MAX_SENDS_PER_TICK)
            .execute()
        ).map((r) => r.id),
      );
      const sent: Record<string, string> = {};
      for (const id of pending) {
        const outcome = await step.run(`send-${id}`, () => deliverNotification(deps.db, delivery, id, { lastAttempt: lastAttempt(), now: now(deps) }));
        sent[id] = outcome.status;
      }
      return { rules: rules.length, transitions, ruleErrors, sent };
    },
  );
}
