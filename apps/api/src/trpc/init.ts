import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import type { Db } from "@tally/shared/db";
import type { CalendarKeeper } from "../calendar-keeper.ts";
import { InvalidCursorError } from "../queries/common.ts";

export interface Context {
  db: Db;
  /** Opens a parent run in Inngest; `{runId}` is replaced. */
  runUrlTemplate: string;
  now: () => number;
  /** Hears the zone of every answered request, to keep a local calendar for it (the server's; none in tests). */
  calendars?: Pick<CalendarKeeper, "note">;
  /** Dev mode: error answers keep their stack, and an unexpected error its message. */
  exposeErrors?: boolean;
}

export interface FieldErrors {
  /** Field path (dot-joined) → messages. */
  fieldErrors: Record<string, string[]>;
  formErrors: string[];
}

interface Issues {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}

/** Zod issues (or an InvalidCursorError's) as field messages: `{ "to": ["`to` is before `from`"] }`. */
function fieldErrors(err: Issues): FieldErrors {
  const out: FieldErrors = { fieldErrors: {}, formErrors: [] };
  for (const i of err.issues) {
    if (i.path.length === 0) out.formErrors.push(i.message);
    else (out.fieldErrors[i.path.map(String).join(".")] ??= []).push(i.message);
  }
  return out;
}

const t = initTRPC.context<Context>().create({
  // Outside dev mode an answer never carries a stack (server file paths) or an unexpected error's message.
  errorFormatter({ shape, error, ctx }) {
    const cause = error.cause;
    const hasIssues = cause instanceof z.ZodError || cause instanceof InvalidCursorError;
    const zodError = error.code === "BAD_REQUEST" && hasIssues ? fieldErrors(cause) : null;
    const { stack, ...data } = shape.data;
    if (ctx?.exposeErrors) return { ...shape, data: { ...data, stack, zodError } };
    const message = error.code === "INTERNAL_SERVER_ERROR" ? "internal server error" : shape.message;
    return { ...shape, message, data: { ...data, zodError } };
  },
});

/** A bad cursor is the caller's mistake: a 400 naming the field, like any other input error. */
const badCursorIs400 = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof InvalidCursorError) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "invalid cursor", cause: result.error.cause });
  }
  return result;
});

/** An answered request that named a time zone tells the calendar keeper, which adds one for a zone in use. */
const notesZone = t.middleware(async ({ ctx, getRawInput, next }) => {
  const result = await next();
  if (result.ok && ctx.calendars) {
    // The procedure answered: a raw input it ignored may still be malformed, and must not fail it now.
    const input = await getRawInput().catch(() => undefined);
    const tz = typeof input === "object" && input !== null && "timeZone" in input ? input.timeZone : undefined;
    if (typeof tz === "string") ctx.calendars.note(tz);
  }
  return result;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(badCursorIs400).use(notesZone);
