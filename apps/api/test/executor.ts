/**
 * A test-only stand-in for the Inngest executor: it drives the SDK's real `serve()` handler over HTTP the
 * way the Dev Server does (POST, apply ops, re-POST with memoised steps, until the run completes), with
 * retries (same run id, attempt + 1). Never used in production paths: there the engine is Inngest.
 */

export interface DeferredCall {
  fnSlug: string;
  input: Record<string, unknown>;
}

export interface RunOutcome {
  status: "completed" | "failed";
  /** HTTP status of the last response. */
  httpStatus: number;
  result: unknown;
  error: unknown;
  /** `defer()` calls the run made, in order. */
  deferred: DeferredCall[];
  attempts: number;
  /** Every response, for assertions on the protocol itself. */
  responses: { status: number; noRetry: string | null; body: unknown }[];
}

export interface RunOptions {
  runId: string;
  maxAttempts?: number;
  /** Called before each request; lets a test change the world between attempts. */
  beforeRequest?: (attempt: number) => void | Promise<void>;
}

type Memo = Record<string, { type: "data"; data: unknown }>;

export class Executor {
  constructor(
    private readonly endpoint: string,
    private readonly appId = "tally",
  ) {}

  /** Runs a function triggered by `event` to completion or final failure. */
  async run(fnId: string, event: Record<string, unknown>, opts: RunOptions): Promise<RunOutcome> {
    const slug = fnId.startsWith(`${this.appId}-`) ? fnId : `${this.appId}-${fnId}`;
    const maxAttempts = opts.maxAttempts ?? 4;
    const steps: Memo = {};
    const stack: string[] = [];
    const deferred = new Map<string, DeferredCall>();
    const responses: RunOutcome["responses"] = [];
    let attempt = 0;
    const done = (status: RunOutcome["status"], httpStatus: number, result: unknown, error: unknown): RunOutcome => ({
      status,
      httpStatus,
      result,
      error,
      deferred: [...deferred.values()],
      attempts: attempt + 1,
      responses,
    });

    for (let request = 0; request < 200; request++) {
      await opts.beforeRequest?.(attempt);
      const res = await this.post(slug, event, opts.runId, attempt, steps, stack);
      responses.push(res);
      if (res.status === 200) return done("completed", 200, res.body, null);
      const retriable = res.noRetry !== "true";
      if (res.status !== 206) {
        if (!retriable || attempt + 1 >= maxAttempts) return done("failed", res.status, null, res.body);
        attempt++;
        continue;
      }
      const ops = (Array.isArray(res.body) ? res.body : [res.body]) as Op[];
      let retry = false;
      for (const op of ops) {
        switch (op.op) {
          case "StepRun":
            steps[op.id] = { type: "data", data: op.data ?? null };
            stack.push(op.id);
            break;
          case "DeferAdd":
            if (!op.opts) throw new Error("test executor: DeferAdd without opts");
            deferred.set(op.id, { fnSlug: op.opts.fn_slug, input: op.opts.input });
            steps[op.id] = { type: "data", data: null };
            stack.push(op.id);
            break;
          case "RunComplete":
            return done("completed", 206, op.data, null);
          case "StepError":
            if (!retriable || attempt + 1 >= maxAttempts) return done("failed", 206, null, op.error);
            retry = true;
            break;
          case "StepFailed":
            return done("failed", 206, null, op.error);
          default:
            throw new Error(`test executor: unsupported op ${op.op}`);
        }
      }
      if (retry) attempt++;
    }
    throw new Error("test executor: run did not finish in 200 requests");
  }

  /** Runs a deferred function as Inngest schedules it after its parent finalises. */
  runDeferred(call: DeferredCall, parent: { fnSlug: string; runId: string }, opts: RunOptions & { ts?: number }) {
    const event = {
      name: "inngest/deferred.schedule",
      id: `evt-${opts.runId}`,
      ts: opts.ts ?? Date.now(),
      data: {
        ...call.input,
        _inngest: { fn_slug: call.fnSlug, parent_fn_slug: parent.fnSlug, parent_run_id: parent.runId },
      },
    };
    return this.run(call.fnSlug, event, opts);
  }

  private async post(fnSlug: string, event: object, runId: string, attempt: number, steps: Memo, stack: string[]) {
    // The executor sends `event` and `events[0]` as separate objects; JSON-parse each.
    const body = {
      event: JSON.parse(JSON.stringify(event)),
      events: [JSON.parse(JSON.stringify(event))],
      steps,
      ctx: {
        run_id: runId,
        attempt,
        disable_immediate_execution: false,
        use_api: false,
        stack: { stack: [...stack], current: stack.length },
      },
      version: 2,
    };
    const url = `${this.endpoint}?fnId=${encodeURIComponent(fnSlug)}&stepId=step`;
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text
    }
    return { status: res.status, noRetry: res.headers.get("x-inngest-no-retry"), body: parsed };
  }
}

/** One opcode of a 206 answer, as the SDK writes it. */
interface Op {
  op: string;
  id: string;
  data?: unknown;
  error?: unknown;
  opts?: { fn_slug: string; input: Record<string, unknown> };
}
