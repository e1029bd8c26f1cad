import type { IncomingMessage, ServerResponse } from "node:http";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { App } from "../app.ts";
import { appRouter } from "./root.ts";

/** `/api/trpc/<path>` over tRPC's standard HTTP adapter: `GET ...?input=<json>` for queries, POST for mutations. */
export function createTrpcHandler(app: Pick<App, "db" | "config" | "calendars">): (req: IncomingMessage, res: ServerResponse) => void {
  return createHTTPHandler({
    router: appRouter,
    basePath: "/api/trpc/",
    createContext: () => ({ db: app.db, runUrlTemplate: app.config.runUrlTemplate, now: Date.now, calendars: app.calendars }),
  });
}
