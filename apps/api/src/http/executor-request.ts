import { DeferredFunction } from "inngest/experimental";
import { z } from "zod";
import { isShowableTime, wellFormedString } from "@tally/shared";
import type { App } from "../app.ts";
import { HttpError, NO_RETRY } from "./respond.ts";

const record = z.record(z.string(), z.unknown());

/** A run id or function slug: at most 200 characters, no lone surrogates, control characters or blank. */
const runId = wellFormedString().min(1, "must be a non-empty string").max(200);

/** When the event happened (epoch ms): the time of a row whose payload has no `occurredAt`. */
const eventTs = z
  .number()
  .int("must be an integer (epoch ms)")
  .refine((ts) => isShowableTime(ts), {
    message: "must be epoch ms from 2000-01-01T00:00:00Z to one day ahead of the server's clock",
  });

/** What a deferred function needs in every event: the parent the SDK hands it as `ctx.parents`, and a time. */
const deferredEvent = z.looseObject({
  ts: eventTs.nullable().optional(),
  data: z.looseObject({
    _inngest: z.looseObject({ parent_fn_slug: runId, parent_run_id: runId }),
  }),
});

const anyEvent = z.looseObject({ data: record.optional() });

/**
 * The rest of the SDK's own parse (`parseFnData` in inngest/helpers/functions.js), which answers a
 * retriable 500 to what it refuses: `ctx` fields and the step stack, as it accepts them.
 */
const sdkCtx = {
  fn_id: z.string().optional(),
  max_attempts: z.number().optional(),
  disable_immediate_execution: z.boolean().optional(),
  qi_id: z.string().optional(),
  stack: z.looseObject({ stack: z.array(z.string()).nullable(), current: z.number() }).nullable().optional(),
};

/** The call the Inngest executor POSTs to run a step (the SDK's own parse, plus what Tally's functions need). */
function callSchema(deferred: boolean) {
  const event = deferred ? deferredEvent : anyEvent;
  return z
    .looseObject({
      event,
      events: z.array(event).optional(),
      steps: record.optional(),
      defers: z.record(z.string(), z.looseObject({ abortable: z.boolean().optional() })).optional(),
      ctx: z.looseObject({
        run_id: runId,
        attempt: z.number().int().nonnegative().optional(),
        use_api: z.boolean().optional(),
        ...sdkCtx,
      }),
    })
    .superRefine((call, ctx) => {
      // With use_api the SDK fetches the events (and steps) from the Inngest API, so the body may omit them.
      if (deferred && !call.ctx.use_api && (call.events ?? []).length === 0) {
        ctx.addIssue({ code: "custom", path: ["events"], message: "must list the run's events (ctx.use_api is not true)" });
      }
    });
}

/**
 * The execution versions the SDK runs: -1 (its choice), 1, 2, or none (0 it refuses). A numeric
 * `x-inngest-req-version` header of 1 or 2 decides instead, and then the SDK does not read the body's.
 */
const VERSIONS = [-1, 1, 2];
function versionProblem(body: unknown, header: string | null): string | null {
  if (header !== null && [1, 2].includes(Number(header))) return null;
  const version = typeof body === "object" && body !== null ? (body as { version?: unknown }).version : undefined;
  if (version === undefined || VERSIONS.includes(version as number)) return null;
  return `version: must be one of ${VERSIONS.join(", ")} or absent (the execution versions the SDK runs), got ${JSON.stringify(version)}`;
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
export function checkFunctionCall(url: URL, body: unknown, fns: FunctionIndex, versionHeader: string | null = null): void {
  const fnId = url.searchParams.get("fnId");
  if (!fnId) throw new HttpError(400, "fnId query parameter is required: the function to run", NO_RETRY);
  const schema = fns.get(fnId);
  if (!schema) throw new HttpError(400, `unknown function "${fnId}" (fnId query parameter): is the app synced?`, NO_RETRY);
  const parsed = schema.safeParse(body);
  const fields = (parsed.error?.issues ?? []).map((i) => `${i.path.map(String).join(".") || "body"}: ${i.message}`);
  const version = versionProblem(body, versionHeader);
  if (version) fields.push(version);
  if (fields.length > 0) {
    throw new HttpError(400, `malformed request to run "${fnId}": ${fields.join("; ")}`, NO_RETRY);
  }
}
