import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { App } from "./app.ts";
import { createAuthRoute, createSetupRoute } from "./auth/routes.ts";
import { createSignInOptionsRoute } from "./auth/sso.ts";
import { handleExport } from "./export/handler.ts";
import { ExportSlots } from "./export/slots.ts";
import { refusal } from "./http/guard.ts";
import { createInngestRoute } from "./http/inngest-route.ts";
import { HttpError, sendFailure, sendJson } from "./http/respond.ts";
import { setSecurityHeaders } from "./http/security-headers.ts";
import { serveStatic } from "./static.ts";
import { createTrpcHandler } from "./trpc/http.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * node:http routing. Every request gets the security headers and passes the guard (Host, cross-site,
 * content type) first; a handler that throws or rejects is answered (its HttpError, else a 500), never
 * left to take the process down.
 */
export function createHttpServer(app: App): Server {
  const config = app.config.http;
  if (config.warning) console.warn(`Warning: ${config.warning}`);
  // The methods each route answers: any other is a 405 naming them, before a handler sees it (the static
  // files answer 404 for unknown paths and 405 for writes themselves).
  const exports = new ExportSlots();
  const routes: { matches: (path: string) => boolean; methods?: readonly string[]; handle: Handler }[] = [
    { matches: (p) => p === "/api/inngest", methods: ["GET", "POST", "PUT"], handle: createInngestRoute(app) },
    { matches: (p) => p.startsWith("/api/trpc/"), methods: ["GET", "POST"], handle: createTrpcHandler(app) },
    { matches: (p) => p.startsWith("/api/export/"), methods: ["GET"], handle: (req, res) => handleExport(app, req, res, exports) },
    { matches: (p) => p.startsWith("/api/auth/"), methods: ["GET", "POST"], handle: createAuthRoute(app) },
    { matches: (p) => p === "/api/setup", methods: ["GET", "POST"], handle: createSetupRoute(app) },
    { matches: (p) => p === "/api/sign-in-options", methods: ["GET"], handle: createSignInOptionsRoute(app.access.auth) },
    { matches: (p) => p === "/healthz", methods: ["GET", "HEAD"], handle: (_req, res) => health(app, res) },
    { matches: () => true, handle: serveStatic },
  ];
  // Node checks the deadline every `connectionsCheckingInterval` ms (default 30 s): check each second.
  const deadline = config.requestDeadlineMs;
  const limits = { requestTimeout: deadline, headersTimeout: Math.min(deadline, 20_000), connectionsCheckingInterval: Math.min(deadline, 1_000) };
  return createServer(limits, (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const answer = async () => {
      setSecurityHeaders(req, res);
      const refused = refusal(req, path, config);
      if (refused) throw refused;
      const route = routes.find((r) => r.matches(path))!;
      if (route.methods && !route.methods.includes(req.method ?? "GET")) {
        const allow = route.methods.join(", ");
        throw new HttpError(405, `${req.method} ${path} is not answered (Allow: ${allow})`, { allow });
      }
      await route.handle(req, res);
    };
    answer().catch((e: unknown) => sendFailure(res, e, config.exposeErrors));
  });
}

async function health(app: App, res: ServerResponse): Promise<void> {
  try {
    await app.db.selectFrom("runs").select((eb) => eb.lit(1).as("ok")).limit(1).execute();
    sendJson(res, 200, { ok: true });
  } catch (e) {
    console.error("healthz: database check failed:", e); // details stay in the log, not the answer
    sendJson(res, 503, { ok: false, error: "database unavailable" });
  }
}
