import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEB_DIST } from "../src/static.ts";
import { AUTH, startTally, type Tally } from "./harness.ts";
import { rawRequest } from "./raw-http.ts";

/** The headers every answer carries, written out here rather than read from the code under test. */
const EXPECTED: Record<string, string> = {
  "content-security-policy":
    "default-src 'self';script-src 'self';script-src-attr 'none';style-src 'self';img-src 'self' data:;font-src 'self';" +
    "connect-src 'self';frame-ancestors 'none';base-uri 'none';form-action 'self';object-src 'none'",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "origin-agent-cluster": "?1",
  "x-dns-prefetch-control": "off",
  "x-download-options": "noopen",
  "x-permitted-cross-domain-policies": "none",
  "x-xss-protection": "0",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
};

describe("security headers", () => {
  let tally: Tally;
  beforeAll(async () => {
    tally = await startTally();
  });
  afterAll(() => tally.close());

  const asset = (() => {
    try {
      return `/assets/${readdirSync(join(WEB_DIST, "assets")).find((f) => f.endsWith(".js"))}`;
    } catch {
      return "/assets/not-built.js"; // the 404 carries them too
    }
  })();
  const input = encodeURIComponent(JSON.stringify({ from: 0, to: 86_400_000 }));
  const requests: [string, string, string, Record<string, string>][] = [
    ["GET", "/", "", {}],
    ["GET", asset, "", { "accept-encoding": "gzip" }],
    ["GET", "/runs/some-run", "", {}],
    ["GET", "/favicon.png", "", {}],
    ["GET", `/api/trpc/overview.summary?input=${input}`, "", {}],
    ["GET", `/api/trpc/overview.summary?input=${input}`, "", { ...AUTH }],
    ["GET", "/api/trpc/nope", "", { ...AUTH }],
    ["POST", "/api/trpc/customers.upsert", "{}", { ...AUTH, "content-type": "application/json" }],
    ["GET", `/api/export/runs.csv?input=${input}`, "", {}],
    ["GET", `/api/export/runs.csv?input=${input}`, "", { ...AUTH }],
    ["GET", "/api/export/nope.csv", "", { ...AUTH }],
    ["GET", "/api/auth/get-session", "", {}],
    ["GET", "/api/setup?token=nope", "", {}],
    ["GET", "/api/inngest", "", {}],
    ["POST", "/api/inngest", "nope{", { "content-type": "application/json" }],
    ["POST", "/api/inngest", "{}", { "content-type": "text/plain" }],
    ["POST", "/api/inngest", "{}", { "content-type": "application/json", origin: "https://evil.example" }],
    ["GET", "/", "", { host: "evil.example" }],
    ["GET", "/healthz", "", {}],
    ["DELETE", "/", "", {}],
  ];

  it.each(requests)("%s %s carries every header", async (method, path, body, headers) => {
    const res = await rawRequest(tally.base, method, path, body, headers);
    const got = Object.fromEntries(Object.keys(EXPECTED).map((h) => [h, res.headers[h]]));
    expect(got).toEqual(EXPECTED);
    expect(res.headers).not.toHaveProperty("x-powered-by");
  });

  it("sends the app shell under a policy with no inline script or style", async () => {
    const res = await rawRequest(tally.base, "GET", "/");
    if (res.status === 200) {
      expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/i);
    }
  });
});
