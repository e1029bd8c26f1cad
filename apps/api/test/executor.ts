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
  /** Each answer of the serve() handler; `retryAfter` is its `retry-after` header (a RetryAfterError's wait). */
  responses: { status: number; noRetry: string | null; retryAfter: string | null; body: unknown }[];
  /** `step.waitForEvent` calls the run made, in order, each with what resumed it (an event, or null: the timeout). */
  waits: { wait: WaitForEventOp; resumedWith: Record<string, unknown> | null }[];
}

/** A `step.waitForEvent` as the SDK asks for it: the event name, its timeout and `if` expression. */
export interface WaitForEventOp {
  id: string;
  /** The step's own id, e.g. "await-human-review". */
  displayName: string;
  /** The event waited for. */
  name: string;
  opts: { timeout: string; if?: string };
}

export interface RunOptions {
  runId: string;
  maxAttempts?: number;
  /** Called before each request; lets a test change the world between attempts. */
  beforeRequest?: (attempt: number) => void | Promise<void>;
  /**
   * Resumes a `step.waitForEvent`: an event (checked against the wait's name and `if` expression, as the
   * engine matches it) or null, the timeout. Default: the timeout.
   */
  onWaitForEvent?: (op: WaitForEventOp) => Record<string, unknown> | null | Promise<Record<string, unknown> | null>;
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
    const waits: RunOutcome["waits"] = [];
    let attempt = 0;
    const done = (status: RunOutcome["status"], httpStatus: number, result: unknown, error: unknown): RunOutcome => ({
      status,
      httpStatus,
      result,
      error,
      deferred: [...deferred.values()],
      attempts: attempt + 1,
      responses,
      waits,
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
          case "WaitForEvent": {
            const wait = op as unknown as WaitForEventOp;
            const resumedWith = (await opts.onWaitForEvent?.(wait)) ?? null;
            if (resumedWith) assertMatches(wait, resumedWith);
            waits.push({ wait, resumedWith });
            steps[op.id] = { type: "data", data: resumedWith };
            stack.push(op.id);
            break;
          }
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
    return { status: res.status, noRetry: res.headers.get("x-inngest-no-retry"), retryAfter: res.headers.get("retry-after"), body: parsed };
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

/**
 * The engine resumes a wait only with a matching event: its name, and the `if` expression. The expressions
 * Tally writes are `async.<path> == "<string literal>"` (a JSON-escaped literal is a valid CEL one); any
 * other form is refused here, so a test never passes on an expression it did not check.
 */
function assertMatches(wait: WaitForEventOp, event: Record<string, unknown>): void {
  if (event.name !== wait.name) throw new Error(`test executor: event ${String(event.name)} does not resume a wait for ${wait.name}`);
  const expression = wait.opts.if;
  if (expression === undefined) return;
  const m = /^async\.([A-Za-z_][\w.]*) == ("(?:[^"\\]|\\.)*")$/.exec(expression);
  if (!m) throw new Error(`test executor: unsupported waitForEvent expression ${expression}`);
  const expected: unknown = JSON.parse(m[2]!);
  const actual = m[1]!.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), event);
  if (actual !== expected) throw new Error(`test executor: event does not match ${expression} (async.${m[1]} is ${JSON.stringify(actual)})`);
}
