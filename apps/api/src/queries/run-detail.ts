import { plainTags } from "@tally/shared";
import type { Db } from "@tally/shared/db";
import { DEMO_PREFIX } from "../demo/scenario.ts";

export async function getRunById(db: Db, runId: string, runUrlTemplate: string) {
  const run = await db
    .selectFrom("runs")
    .select(["run_id", "function_slug", "model", "customer_id", "ticket_id", "tags", "occurred_at", "first_seen_at", "scored_at"])
    .where("run_id", "=", runId)
    .executeTakeFirst();
  if (!run) return null;
  const [scores, costs, evaluations, notifications] = await Promise.all([
    db
      .selectFrom("scores")
      .select([
        "id", "deferred_run_id", "model", "name", "value", "raw_value", "scale_min", "scale_max", "data_type",
        "source", "judge_model", "rubric_version", "rationale", "created_at",
      ])
      .where("run_id", "=", runId)
      .orderBy("created_at")
      .orderBy("name")
      .execute(),
    db
      .selectFrom("usage_costs")
      .select([
        "id", "deferred_run_id", "kind", "provider", "model", "customer_id", "input_tokens", "output_tokens",
        "cache_read_tokens", "cache_write_tokens", "reasoning_tokens", "cost_micros", "input_cost_micros",
        "output_cost_micros", "price_source", "reported_cost_micros", "created_at",
      ])
      .where("run_id", "=", runId)
      .orderBy("created_at")
      .orderBy("kind")
      .execute(),
    db
      .selectFrom("evaluations")
      .select(["id", "deferred_run_id", "status", "judge_model", "rubric_version", "judge_calls", "error", "created_at"])
      .where("run_id", "=", runId)
      .orderBy("created_at")
      .execute(),
    db.selectFrom("notifications").select(["deferred_run_id"]).where("run_id", "=", runId).execute(),
  ]);
  const history = await priceHistoryOf(db, costs.map((c) => c.id));
  const isDemo = run.run_id.startsWith(DEMO_PREFIX);
  const deferred = new Set([...scores, ...costs, ...evaluations, ...notifications].map((r) => r.deferred_run_id));
  return {
    run: {
      runId: run.run_id,
      functionSlug: run.function_slug,
      model: run.model,
      customerId: run.customer_id,
      ticketId: run.ticket_id,
      tags: storedTags(run.tags),
      occurredAt: run.occurred_at,
      firstSeenAt: run.first_seen_at,
      scoredAt: run.scored_at,
    },
    scores: scores.map((s) => ({
      id: s.id,
      deferredRunId: s.deferred_run_id,
      model: s.model,
      name: s.name,
      value: s.value,
      rawValue: s.raw_value,
      scaleMin: s.scale_min,
      scaleMax: s.scale_max,
      dataType: s.data_type,
      source: s.source,
      judgeModel: s.judge_model,
      rubricVersion: s.rubric_version,
      rationale: s.rationale,
      createdAt: s.created_at,
    })),
    costs: costs.map((c) => ({
      id: c.id,
      deferredRunId: c.deferred_run_id,
      kind: c.kind,
      provider: c.provider,
      model: c.model,
      customerId: c.customer_id,
      tokens: {
        input: c.input_tokens,
        output: c.output_tokens,
        cacheRead: c.cache_read_tokens,
        cacheWrite: c.cache_write_tokens,
        reasoning: c.reasoning_tokens,
      },
      /** null = unpriced, never $0. */
      costMicros: c.cost_micros,
      inputCostMicros: c.input_cost_micros,
      outputCostMicros: c.output_cost_micros,
      priceSource: c.price_source,
      reportedCostMicros: c.reported_cost_micros,
      createdAt: c.created_at,
      /** What repricing jobs changed on the line, oldest first. */
      priceHistory: history.get(c.id) ?? [],
    })),
    evaluations: evaluations.map((e) => ({
      id: e.id,
      deferredRunId: e.deferred_run_id,
      status: e.status,
      judgeModel: e.judge_model,
      rubricVersion: e.rubric_version,
      judgeCalls: e.judge_calls,
      error: e.error,
      createdAt: e.created_at,
    })),
    /** Each deferred function run with its page in Inngest; null for a demo run, which never ran in Inngest. */
    deferredRuns: [...deferred].sort().map((id) => ({ runId: id, inngestUrl: isDemo ? null : inngestRunUrl(runUrlTemplate, id) })),
    /** null for a demo run (seeded by the demo, id demo-…): it has no Inngest run to open. */
    inngestUrl: isDemo ? null : inngestRunUrl(runUrlTemplate, run.run_id),
  };
}

/** INNGEST_RUN_URL_TEMPLATE with {runId} filled in. */
function inngestRunUrl(template: string, runId: string): string {
  return template.replaceAll("{runId}", encodeURIComponent(runId));
}

/** Each line's repricings (usage_cost_history), oldest first. */
async function priceHistoryOf(db: Db, usageIds: string[]) {
  const out = new Map<string, { jobId: string; at: number; costMicrosBefore: number | null; priceSourceBefore: string; costMicrosAfter: number | null; priceSourceAfter: string }[]>();
  if (usageIds.length === 0) return out;
  const rows = await db
    .selectFrom("usage_cost_history")
    .selectAll()
    .where("usage_id", "in", usageIds)
    .orderBy("at")
    .orderBy("job_id")
    .execute();
  for (const r of rows) {
    const list = out.get(r.usage_id) ?? out.set(r.usage_id, []).get(r.usage_id)!;
    list.push({
      jobId: r.job_id,
      at: Number(r.at),
      costMicrosBefore: r.cost_micros_before,
      priceSourceBefore: r.price_source_before,
      costMicrosAfter: r.cost_micros_after,
      priceSourceAfter: r.price_source_after,
    });
  }
  return out;
}

/** Own string-valued tags only: a row stored by an older version cannot put an object where text is shown. */
function storedTags(json: string): Record<string, string> {
  try {
    return plainTags(JSON.parse(json));
  } catch {
    return {};
  }
}

export type RunDetail = NonNullable<Awaited<ReturnType<typeof getRunById>>>;
