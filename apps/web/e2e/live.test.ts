import { recordUsage } from "@tally/inngest-functions";
import { connect } from "@tally/shared/db";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureBuilt, type RunningServer, startServer, type StorageState } from "./server.ts";

/**
 * Live refresh: a run recorded while the dashboard is open appears without a reload, and the demo label
 * follows the data. The page's clock is Playwright's, so the 30 s refresh fires without waiting 30 s.
 */

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
let server: RunningServer;
let browser: Browser;
let storageState: StorageState;

beforeAll(async () => {
  ensureBuilt();
  server = await startServer({ runs: 30, days: 5 });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  storageState = await server.signedIn(browser, await server.createAccount("viewer"));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it("shows a run recorded after the page loaded, and labels demo data, without a reload", async () => {
  const context = await browser.newContext({ timezoneId: "UTC", locale: "en-US", storageState });
  await context.clock.install();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // A preset window: it must slide with the clock to take in a run recorded after the page loaded.
  await page.goto(`${server.url}/?range=7d&tz=UTC`);
  const runs = page.locator("[data-kpi='runs']");
  await runs.waitFor();
  const before = Number(await runs.getAttribute("data-value"));
  expect(before).toBe(server.seeded.runs);
  expect(await page.locator(".demo-banner").count()).toBe(0);
  const loads = await page.evaluate(() => performance.getEntriesByType("navigation").length);

  const db = await connect({ url: server.dbUrl });
  const now = Date.now() + 90_000; // after the window the page resolved at load time
  await recordUsage(db, { runId: "demo-live-0001", functionSlug: "handle-support-ticket", customerId: "acme", model: "gpt-4o-mini", occurredAt: now, now }, {
    key: "demo-live-0001-costs",
    deferredRunId: "demo-live-0001-costs",
    kind: "agent",
    model: "gpt-4o-mini",
    usage: { input_tokens: 1000, output_tokens: 200, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 },
  });
  await db.destroy();

  await page.clock.fastForward(120_000);
  await page.waitForFunction((n) => document.querySelector("[data-kpi='runs']")?.getAttribute("data-value") === String(n), before + 1);
  await page.locator(".demo-banner").waitFor();
  expect(await page.locator(".demo-banner").textContent()).toContain("npm run demo:clear");
  expect(await page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(loads);
  expect(errors).toEqual([]);
  await context.close();
});
