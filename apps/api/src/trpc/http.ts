import type { IncomingMessage, ServerResponse } from "node:http";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { MAX_BATCH_CALLS } from "@tally/shared";
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from "@tally/shared/db";
import type { App } from "../app.ts";
import { BodyBudget, hasBody, readText } from "../http/body.ts";
import { appRouter } from "./root.ts";

/** Largest tRPC request body: a query at its schema's maximum (500 customer ids of 200 characters) is ~100 KB. */
export const TRPC_MAX_BODY_BYTES = 1024 * 1024;

/**
 * `/api/trpc/<path>` over tRPC's standard HTTP adapter: `GET ...?input=<json>` for queries, POST for
 * mutations, and POST for queries too (method override) when the input is too long for a URL.
 */
export function createTrpcHandler(
  app: Pick<App, "db" | "calendars" | "access" | "config">,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const exposeErrors = app.config.http.exposeErrors;
  const handler = createHTTPHandler({
    router: appRouter,
    basePath: "/api/trpc/",
    allowMethodOverride: true,
    maxBatchSize: MAX_BATCH_CALLS,
    maxBodySize: TRPC_MAX_BODY_BYTES,
    createContext: async ({ req }) => ({
      db: app.db,
      runUrlTemplate: app.config.runUrlTemplate,
      // The functions' clock (Date.now unless a test moves it): a change through the API and a function's run agree on the time.
      now: app.config.now,
      calendars: app.calendars,
      exposeErrors,
      principal: await app.access.authenticate(req),
      judge: app.config.judge,
      review: app.config.review,
      alerts: app.config.alerts,
    }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`tRPC ${path ?? "?"} failed:`, error.cause ?? error);
    },
    // Failed only because the database is unavailable: 503 and when to try again, not 500.
    responseMeta({ errors }) {
      if (errors.length === 0 || !errors.every((e) => e.code === "INTERNAL_SERVER_ERROR" && isDatabaseUnavailable(e.cause))) return {};
      return { status: 503, headers: { "retry-after": String(DATABASE_UNAVAILABLE.retryAfterSeconds) } };
    },
  });
  // The body is read here, strictly (413 past the limit, 400 unless valid UTF-8, as on every other route), and
  // handed to tRPC as `req.body`: its adapter would decode bad bytes leniently, into U+FFFD, and store them.
  // Bodies are read before the caller is known: without a bound, connections each sending just under 1 MiB and
  // stalling would hold that much apiece (`trpcBodyBytesInFlight`, as /api/inngest's budget).
  const budget = new BodyBudget(app.config.http.trpcBodyBytesInFlight);
  return async (req, res) => {
    if (req.method === "POST" && hasBody(req)) {
      const reservation = budget.reserve(req, TRPC_MAX_BODY_BYTES);
      res.once("close", () => reservation.release()); // held until answered (a refused body's answer too), as the text is
      (req as IncomingMessage & { body?: string }).body = await readText(req, TRPC_MAX_BODY_BYTES, {}, reservation);
    }
    handler(req, res);
  };
}
