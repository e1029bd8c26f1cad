import { NonRetriableError } from "inngest";
import { z } from "zod";
import { isShowableTime, occurredAtMs, plainTags } from "@tally/shared";
import { type Deps, now } from "../deps.ts";
import type { RunRef } from "../record/run.ts";

interface DeferCtx {
  runId: string;
  /** The SDK types a deferred event as `{ name, data }`; the executor also sends `ts`. */
  event: object;
  parents: { fnSlug: string; runId: string }[];
}

interface RunFields {
  model?: string | undefined;
  customerId?: string | undefined;
  ticketId?: string | undefined;
  tags?: Record<string, string> | undefined;
  occurredAt?: number | string | undefined;
  idempotencyKey?: string | undefined;
}

/**
 * The payload as its schema cleans it (trimmed ids, parsed defaults). The SDK validates a deferred payload
 * against the schema but hands the handler the raw object, so `" acme "` would be stored with its spaces.
 */
export function parsePayload<S extends z.ZodType>(schema: S, data: unknown): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new NonRetriableError(`invalid payload: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * The parent run a deferred run belongs to. An empty or blank parent run id would become a run `""` that
 * collects every such delivery, so it is refused (the HTTP edge refuses it too; this holds for any transport).
 */
export function parentRun(ctx: Pick<DeferCtx, "parents">): { fnSlug: string; runId: string } {
  const parent = ctx.parents[0];
  if (!parent || typeof parent.runId !== "string" || parent.runId.trim() === "") {
    throw new NonRetriableError("parents[0].runId (event.data._inngest.parent_run_id) is missing or empty: no parent run to record against");
  }
  return parent;
}

/**
 * The parent link and the deterministic key every write of a deferred run uses. Computed inside a
 * step, so `now` is the time of the write.
 */
export function runContext(deps: Deps, ctx: DeferCtx, data: RunFields): { run: RunRef; key: string } {
  const parent = parentRun(ctx);
  const t = now(deps);
  return {
    key: data.idempotencyKey ?? ctx.runId,
    run: {
      runId: parent.runId,
      functionSlug: parent.fnSlug,
      model: data.model,
      customerId: data.customerId,
      ticketId: data.ticketId,
      // Own string entries only, whatever object the transport handed over.
      tags: data.tags && plainTags(data.tags),
      occurredAt: occurredAt(data, ctx.event, t),
      now: t,
    },
  };
}

/**
 * The row's time: the payload's `occurredAt`, else the deferred event's `ts` (stable across retries), else
 * now. It must lie where a window can show it (2000-01-01 to a day ahead of `now`), whichever it came from:
 * the schema checks `occurredAt`, and this checks the event's `ts`, which no schema has seen.
 */
function occurredAt(data: RunFields, event: object, now: number): number {
  const ts = (event as { ts?: unknown }).ts;
  const field = data.occurredAt !== undefined ? "occurredAt" : "event.ts";
  const ms = data.occurredAt !== undefined ? occurredAtMs(data.occurredAt, Number.NaN) : ts ?? now;
  if (!isShowableTime(ms, now)) {
    throw new NonRetriableError(
      `${field} ${JSON.stringify(field === "occurredAt" ? data.occurredAt : ts)} is not a time in epoch ms from ` +
        "2000-01-01T00:00:00Z to one day ahead of the server's clock: spend at that time could never be shown",
    );
  }
  return ms;
}
