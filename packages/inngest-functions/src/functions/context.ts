import { occurredAtMs } from "@tally/shared";
import { type Deps, now } from "../deps.ts";
import type { RunRef } from "../record/run.ts";

interface DeferCtx {
  runId: string;
  /** The SDK types a deferred event as `{ name, data }`; the executor also sends `ts`. */
  event: object;
  parents: [{ fnSlug: string; runId: string }];
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
 * The parent link and the deterministic key every write of a deferred run uses. Computed inside a
 * step, so `now` is the time of the write.
 */
export function runContext(deps: Deps, ctx: DeferCtx, data: RunFields): { run: RunRef; key: string } {
  const parent = ctx.parents[0];
  const t = now(deps);
  return {
    key: data.idempotencyKey ?? ctx.runId,
    run: {
      runId: parent.runId,
      functionSlug: parent.fnSlug,
      model: data.model,
      customerId: data.customerId,
      ticketId: data.ticketId,
      tags: data.tags,
      occurredAt: occurredAtMs(data.occurredAt, eventTs(ctx.event) ?? t),
      now: t,
    },
  };
}

function eventTs(event: object): number | undefined {
  const ts = (event as { ts?: unknown }).ts;
  return typeof ts === "number" && ts > 0 ? ts : undefined;
}
