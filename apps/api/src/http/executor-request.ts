import { DeferredFunction } from "inngest/experimental";
import { z } from "zod";
import type { App } from "../app.ts";
import { HttpError, NO_RETRY } from "./respond.ts";

const record = z.record(z.string(), z.unknown());

/** What a deferred function needs in every event: the parent the SDK hands it as `ctx.parents`. */
const deferredEvent = z.looseObject({
  data: z.looseObject({
    _inngest: z.looseObject({
      parent_fn_slug: z.string().min(1, "must be a non-empty string"),
      parent_run_id: z.string().min(1, "must be a non-empty string"),
    }),
  }),
});

const anyEvent = z.looseObject({ data: record.optional() });

/** The call the Inngest executor POSTs to run a step (the SDK's own parse, plus what Tally's functions need). */
function callSchema(deferred: boolean) {
  const event = deferred ? deferredEvent : anyEvent;
  return z
    .looseObject({
      event,
      events: z.array(event).optional(),
      steps: record.optional(),
      ctx: z.looseObject({
        run_id: z.string().min(1, "must be a non-empty string"),
        attempt: z.number().int().nonnegative().optional(),
        use_api: z.boolean().optional(),
      }),
    })
    .superRefine((call, ctx) => {
      // With use_api the SDK fetches the events (and steps) from the Inngest API, so the body may omit them.
      if (deferred && !call.ctx.use_api && (call.events ?? []).length === 0) {
        ctx.addIssue({ code: "custom", path: ["events"], message: "must list the run's events (ctx.use_api is not true)" });
      }
    });
}

export type FunctionIndex = ReadonlyMap<string, ReturnType<typeof callSchema>>;

/** The app's functions by the id the executor names them with (`fnId`), each with the shape its calls need. */
export function functionIndex(app: Pick<App, "functions" | "inngest">): FunctionIndex {
  return new Map(app.functions.all.map((fn) => [fn.id(app.inngest.id), callSchema(fn instanceof DeferredFunction)]));
}

/**
 * Refuses a malformed function call before the SDK runs it: the SDK would answer a retriable 500 (or,
 * for an empty parent run id, run it), and the executor would retry a request that can never succeed.
 * The refusal is a 400 with `x-inngest-no-retry: true`, naming every bad field.
 */
export function checkFunctionCall(url: URL, body: unknown, fns: FunctionIndex): void {
  const fnId = url.searchParams.get("fnId");
  if (!fnId) throw new HttpError(400, "fnId query parameter is required: the function to run", NO_RETRY);
  const schema = fns.get(fnId);
  if (!schema) throw new HttpError(400, `unknown function "${fnId}" (fnId query parameter): is the app synced?`, NO_RETRY);
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "body"}: ${i.message}`);
    throw new HttpError(400, `malformed request to run "${fnId}": ${fields.join("; ")}`, NO_RETRY);
  }
}
