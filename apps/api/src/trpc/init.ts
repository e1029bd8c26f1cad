import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import { can, type Capability } from "@tally/shared";
import { DATABASE_UNAVAILABLE, type Db, isDatabaseUnavailable, isPostgres } from "@tally/shared/db";
import type { CalendarKeeper } from "../calendar-keeper.ts";
import type { Principal } from "../auth/principal.ts";
import { InputError } from "../queries/common.ts";
import type { JudgeSettings } from "../queries/judge.ts";
import type { ReviewSettings } from "../queries/review-submit.ts";
import type { AlertSettings } from "../queries/alert-reads.ts";

export interface Context {
  db: Db;
  /** Opens a parent run in Inngest; `{runId}` is replaced. */
  runUrlTemplate: string;
  now: () => number;
  /** Hears the zone of every answered request, to keep a local calendar for it (the server's; none in tests). */
  calendars?: Pick<CalendarKeeper, "note">;
  /** Who asks (API key or signed-in user), null without credentials: every procedure then answers 401. */
  principal: Principal | null;
  /** Dev mode: error answers keep their stack, and an unexpected error its message. */
  exposeErrors?: boolean;
  /** The judge's configuration (TALLY_JUDGE_*, reporting zone) for `judge.status`; the defaults without it. */
  judge?: JudgeSettings | undefined;
  /** Human review: TALLY_REVIEW_SAMPLE_RATE and the sender of `tally/review.submitted`; the defaults (no sender) without it. */
  review?: ReviewSettings | undefined;
  /** Alerts: the reporting zone and whether SLACK_WEBHOOK_URL is set; the defaults (UTC, unset) without it. */
  alerts?: AlertSettings | undefined;
}

export interface FieldErrors {
  /** Field path (dot-joined) → messages. */
  fieldErrors: Record<string, string[]>;
  formErrors: string[];
}

interface Issues {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}

/** Zod issues (or an InputError's) as field messages: `{ "to": ["`to` is before `from`"] }`. */
function fieldErrors(err: Issues): FieldErrors {
  const out: FieldErrors = { fieldErrors: {}, formErrors: [] };
  for (const i of err.issues) {
    if (i.path.length === 0) out.formErrors.push(i.message);
    else {
      const field = i.path.map(String).join(".");
      out.fieldErrors[field] ??= [];
      out.fieldErrors[field].push(i.message);
    }
  }
  return out;
}

const t = initTRPC.context<Context>().meta<{ capability: Capability }>().create({
  // Outside dev mode an answer never carries a stack (server file paths) or an unexpected error's message.
  errorFormatter({ shape, error, ctx }) {
    const cause = error.cause;
    const hasIssues = cause instanceof z.ZodError || cause instanceof InputError;
    const zodError = error.code === "BAD_REQUEST" && hasIssues ? fieldErrors(cause) : null;
    const { stack, ...data } = shape.data;
    // A ZodError's own message is its issues as JSON: say them as text, as an InputError does.
    const readable = cause instanceof z.ZodError ? cause.issues.map((i) => (i.path.length ? `${i.path.map(String).join(".")}: ` : "") + i.message).join("; ") : shape.message;
    // The database unreachable (a restart, a failover, a dropped session): a 503 the client retries (http.ts sets it).
    if (error.code === "INTERNAL_SERVER_ERROR" && isDatabaseUnavailable(error.cause)) {
      return { ...shape, message: DATABASE_UNAVAILABLE.message, data: { ...data, code: "SERVICE_UNAVAILABLE" as const, httpStatus: 503, zodError: null } };
    }
    if (ctx?.exposeErrors) return { ...shape, message: readable, data: { ...data, stack, zodError } };
    const message = error.code === "INTERNAL_SERVER_ERROR" ? "internal server error" : readable;
    return { ...shape, message, data: { ...data, zodError } };
  },
});

/** An InputError (a bad cursor, a taken email, the last admin) is the caller's mistake: a 400 naming the field. */
const inputErrorIs400 = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof InputError) {
    throw new TRPCError({ code: "BAD_REQUEST", message: result.error.cause.message, cause: result.error.cause });
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

/**
 * On SQLite, the calls of one batch take turns: every statement shares one connection, whose queue is first
 * come first served, so a batch's calls run at once queued a statement each ahead of any other request's (a
 * health check waited behind 20 lists of 500 runs: ~2 s). In turn, another request waits for one statement of
 * the batch (each statement first yields to the event loop: connect.ts). PostgreSQL keeps them concurrent
 * (a pool of connections).
 */
const turns = new WeakMap<Context, Promise<unknown>>();
const oneCallAtATime = t.middleware(({ ctx, next }) => {
  if (isPostgres(ctx.db)) return next();
  const mine = (turns.get(ctx) ?? Promise.resolve()).then(() => next());
  turns.set(ctx, mine.catch(() => undefined));
  return mine;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;
/**
 * The only way to make a procedure: each names the capability it needs (`CAPABILITIES` in @tally/shared).
 * Without credentials a procedure answers 401, with a role that lacks the capability 403, before its input
 * is read. `ctx.principal` is then non-null.
 */
export function procedure(capability: Capability) {
  return t.procedure
    .meta({ capability })
    .use(oneCallAtATime)
    .use(({ ctx, next }) => {
      if (!ctx.principal) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in, or send Authorization: Bearer <API key>" });
      if (!can(ctx.principal.role, capability)) {
        throw new TRPCError({ code: "FORBIDDEN", message: `the ${ctx.principal.role} role cannot do this (needs ${capability})` });
      }
      return next({ ctx: { ...ctx, principal: ctx.principal } });
    })
    .use(inputErrorIs400)
    .use(notesZone);
}
