import { createServer, type Server } from "node:http";
import type { App } from "./app.ts";
import { serveStatic } from "./static.ts";
import { createTrpcHandler } from "./trpc/http.ts";
import { handleExport } from "./export/handler.ts";

/** node:http routing: the Inngest endpoint and health. */
export function createHttpServer(app: App): Server {
  const trpc = createTrpcHandler(app);
  return createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/api/inngest") return app.handler(req, res);
    if (path?.startsWith("/api/trpc/")) return trpc(req, res);
    if (path?.startsWith("/api/export/")) return void handleExport(app, req, res);
    if (path === "/healthz") {
      app.db
        .selectFrom("runs")
        .select((eb) => eb.lit(1).as("ok"))
        .limit(1)
        .execute()
        .then(
          () => json(res, 200, { ok: true }),
          (e: unknown) => {
            console.error("healthz: database check failed:", e); // details stay in the log, not the answer
            json(res, 503, { ok: false, error: "database unavailable" });
          },
        );
      return;
    }
    serveStatic(req, res);
  });
}

function json(res: import("node:http").ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
