import { createServer, type Server } from "node:http";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AUTH, PARENT, startTally, type Tally } from "./harness.ts";
import { healthy, PRODUCTION, rawRequest } from "./raw-http.ts";

const FN = "tally-track-ai-costs";
const INNGEST = `/api/inngest?fnId=${FN}&stepId=step`;

/** A deferred call as the Inngest executor POSTs it: one such POST runs the write step at once. */
function deferredCall(runId: string): string {
  const event = {
    name: "inngest/deferred.schedule",
    id: `evt-${runId}`,
    ts: Date.now(),
    data: { model: "gpt-4o", promptTokens: 1000, completionTokens: 200, customerId: "victim", _inngest: { fn_slug: FN, parent_fn_slug: PARENT.fnSlug, parent_run_id: `parent-${runId}` } },
  };
  return JSON.stringify({ event, events: [event], steps: {}, ctx: { run_id: runId, attempt: 0, disable_immediate_execution: false, use_api: false, stack: { stack: [], current: 0 } }, version: 2 });
}

async function usageRows(tally: Tally): Promise<number> {
  return Number((await tally.db.selectFrom("usage_costs").select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
}

describe("cross-site requests", () => {
  let tally: Tally;
  let attacker: Server;
  let attackerUrl: string;
  let browser: Browser;
  beforeAll(async () => {
    tally = await startTally();
    // Any web page on another origin: its script posts to Tally the way the issue reproduced it.
    attacker = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>cat pictures</title>"));
    await new Promise<void>((r) => attacker.listen(0, "127.0.0.1", r));
    attackerUrl = `http://localhost:${(attacker.address() as { port: number }).port}/`;
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"] });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => attacker.close(r));
    await tally.close();
  });

  it("a page on another site cannot write a usage row with a no-cors text/plain POST (real Chromium)", async () => {
    const page = await browser.newPage();
    await page.goto(attackerUrl);
    await page.evaluate(
      // The opaque answer may be blocked (Cross-Origin-Resource-Policy); the request has been sent either way.
      ([url, body]) => fetch(url!, { method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body }).catch(() => null),
      [`${tally.base}${INNGEST}`, deferredCall("01ATTACK")],
    );
    // The Blob variant sends no content type at all.
    await page.evaluate(
      ([url, body]) => fetch(url!, { method: "POST", mode: "no-cors", body: new Blob([body!]) }).catch(() => null),
      [`${tally.base}${INNGEST}`, deferredCall("01ATTACKBLOB")],
    );
    await page.close();
    expect(await usageRows(tally)).toBe(0);
  });

  it.each<{ name: string; headers: Record<string, string>; status: number }>([
    { name: "Sec-Fetch-Site: cross-site", headers: { "sec-fetch-site": "cross-site", origin: "https://evil.example" }, status: 403 },
    { name: "Sec-Fetch-Site: same-site (another port or subdomain)", headers: { "sec-fetch-site": "same-site" }, status: 403 },
    { name: "an Origin on another host, no Sec-Fetch-Site", headers: { origin: "https://evil.example" }, status: 403 },
    { name: "Origin: null (a sandboxed frame)", headers: { origin: "null" }, status: 403 },
    { name: "text/plain from a server, no browser headers", headers: { "content-type": "text/plain" }, status: 415 },
    { name: "no content type with a body", headers: { "content-type": "" }, status: 415 },
  ])("$name: refused with $status, nothing written", async ({ headers, status }) => {
    const h: Record<string, string> = { "content-type": "application/json", ...headers };
    if (h["content-type"] === "") delete h["content-type"];
    for (const path of [INNGEST, "/api/trpc/customers.upsert"]) {
      const body = path === INNGEST ? deferredCall("01FORGED") : JSON.stringify({ id: "acme", name: "Acme" });
      // The tRPC call carries an admin's credentials: refused for where it comes from, not for lacking them.
      const res = await rawRequest(tally.base, "POST", path, body, path === INNGEST ? h : { ...h, ...AUTH });
      expect(res.status, path).toBe(status);
      expect(JSON.parse(res.text).error).toMatch(status === 403 ? /cross-site request refused/ : /takes a JSON body/);
    }
    expect(await usageRows(tally)).toBe(0);
    expect(await tally.db.selectFrom("customers").selectAll().execute()).toEqual([]);
  });

  it("lets same-origin browser requests and server-to-server calls through", async () => {
    const sameOrigin = { "content-type": "application/json", "sec-fetch-site": "same-origin", origin: tally.base };
    expect((await rawRequest(tally.base, "POST", INNGEST, deferredCall("01SAMEORIGIN"), sameOrigin)).status).toBe(206);
    // A dev proxy (Vite) on another port of localhost: Origin names an allowed host, the browser says same-origin.
    const proxied = { "content-type": "application/json; charset=utf-8", origin: "http://localhost:5173" };
    expect((await rawRequest(tally.base, "POST", INNGEST, deferredCall("01PROXIED"), proxied)).status).toBe(206);
    expect((await rawRequest(tally.base, "POST", INNGEST, deferredCall("01SERVER"), { "content-type": "application/json" })).status).toBe(206);
    // Behind a proxy that rewrites Host, the browser's Origin names the public host: Sec-Fetch-Site decides.
    const behindProxy = { "content-type": "application/json", "sec-fetch-site": "same-origin", origin: "https://tally.example.com" };
    expect((await rawRequest(tally.base, "POST", INNGEST, deferredCall("01BEHINDPROXY"), behindProxy)).status).toBe(206);
    expect(await usageRows(tally)).toBe(4);
    // A typed-in URL or bookmark (Sec-Fetch-Site: none) reads as usual.
    expect((await rawRequest(tally.base, "GET", "/api/trpc/customers.list", "", { ...AUTH, "sec-fetch-site": "none" })).status).toBe(200);
  });
});

describe("Host header (DNS rebinding)", () => {
  let tally: Tally;
  beforeAll(async () => {
    tally = await startTally({ TALLY_ALLOWED_HOSTS: "tally.example.com, 10.0.0.5", INNGEST_SERVE_ORIGIN: "https://inngest-facing.example.org:8443" });
  });
  afterAll(() => tally.close());

  it("refuses a rebinding host name on every route but the health probe, before and whatever the credentials", async () => {
    const routes = [["GET", "/", ""], ["GET", "/api/trpc/customers.list", ""], ["GET", "/api/export/runs.csv", ""], ["GET", "/api/inngest", ""], ["POST", INNGEST, deferredCall("01REBIND")], ["GET", "/api/auth/get-session", ""], ["GET", "/api/setup?token=x", ""]] as const;
    for (const credentials of [{}, AUTH]) {
      for (const [method, path, body] of routes) {
        const res = await rawRequest(tally.base, method, path, body, { host: "evil.example:3000", "content-type": "application/json", ...credentials });
        expect(res.status, path).toBe(421);
        expect(JSON.parse(res.text).error, path).toMatch(/host "evil\.example:3000" is not served here.*TALLY_ALLOWED_HOSTS/);
      }
    }
    expect(await usageRows(tally)).toBe(0);
    expect((await rawRequest(tally.base, "GET", "/healthz", "", { host: "10.1.2.3:3000" })).status).toBe(200);
    expect((await rawRequest(tally.base, "GET", "/", "", {})).status).not.toBe(421); // node sends Host: 127.0.0.1:<port>
  });

  it("answers the default and configured names on any port", async () => {
    const hosts = ["localhost:3000", "LOCALHOST", "127.0.0.1:1", "[::1]:3000", "tally.example.com", "tally.example.com.:443", "10.0.0.5:80", "inngest-facing.example.org"];
    for (const host of hosts) {
      expect((await rawRequest(tally.base, "GET", "/api/trpc/customers.list", "", { host, ...AUTH })).status, host).toBe(200);
    }
    for (const host of ["sub.tally.example.com", "tally.example.com.evil.example", "127.0.0.2", "a b", "localhost@evil.example"]) {
      expect((await rawRequest(tally.base, "GET", "/api/trpc/customers.list", "", { host, ...AUTH })).status, host).toBe(421);
    }
  });

  it("answers the name HOST binds to and TALLY_PUBLIC_URL's host, without TALLY_ALLOWED_HOSTS", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {}); // Secure cookies on a non-loopback HOST
    const named = await startTally({ ...PRODUCTION, HOST: "tally.lan", TALLY_PUBLIC_URL: "https://dash.example.com/tally" });
    try {
      for (const host of ["tally.lan", "TALLY.LAN:3000", "dash.example.com", "dash.example.com:443", "localhost:3000"]) {
        expect((await rawRequest(named.base, "GET", "/api/trpc/customers.list", "", { host, ...AUTH })).status, host).toBe(200);
      }
      for (const host of ["other.lan", "tally.lan.evil.example", "example.com"]) {
        expect((await rawRequest(named.base, "GET", "/api/trpc/customers.list", "", { host, ...AUTH })).status, host).toBe(421);
      }
    } finally {
      await named.close();
      warn.mockRestore();
    }
  });

  it("warns at start-up when HOST listens everywhere and only local names are allowed", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    // Besides the cookie warning (Secure cookies on a non-loopback host without an https URL), tested apart.
    const hostWarnings = () => warn.mock.calls.map((c) => String(c[0])).filter((m) => !/session cookies are Secure/.test(m));
    try {
      // Outside dev mode: dev mode stays on loopback (env.ts).
      const open = await startTally({ ...PRODUCTION, HOST: "0.0.0.0" });
      await open.close();
      expect(hostWarnings()).toEqual([expect.stringMatching(/HOST=0\.0\.0\.0 listens on every interface.*set TALLY_ALLOWED_HOSTS/)]);
      warn.mockClear();
      const named = await startTally({ ...PRODUCTION, HOST: "0.0.0.0", TALLY_ALLOWED_HOSTS: "tally.internal" });
      await named.close();
      expect(hostWarnings()).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });
});

describe("methods a route does not answer", () => {
  let tally: Tally;
  beforeAll(async () => {
    tally = await startTally();
  });
  afterAll(() => tally.close());

  it("are a 405 naming the allowed methods, never a 500, and the server keeps serving", async () => {
    const expected: [string, string, string][] = [
      ["/api/inngest", "TRACE", "GET, POST, PUT"],
      ["/api/inngest", "DELETE", "GET, POST, PUT"],
      ["/api/trpc/overview.summary", "TRACE", "GET, POST"],
      ["/api/trpc/customers.upsert", "PUT", "GET, POST"],
      ["/api/export/runs.csv", "DELETE", "GET"],
      ["/healthz", "POST", "GET, HEAD"],
    ];
    for (const [path, method, allow] of expected) {
      const res = await rawRequest(tally.base, method, path, "", { host: new URL(tally.base).host });
      expect([path, method, res.status, res.headers.allow]).toEqual([path, method, 405, allow]);
      expect(JSON.parse(res.text).error).toContain(allow);
    }
    expect(await healthy(tally.base)).toBe(true);
  });
});
