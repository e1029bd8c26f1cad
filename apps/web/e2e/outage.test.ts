import { recordUsage } from "@tally/inngest-functions";
import { connect } from "@tally/shared/db";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, type RunningServer, startServer, type StorageState } from "./server.ts";
import { launchChromium } from "./browser.ts";

/**
 * The dashboard through an API outage, in Chromium against the real server: the server is stopped while
 * a page is open and started again on the same port and database. Expected network failures are part of
 * these tests, so they keep their own error lists instead of the dashboard suite's.
 */

let server: RunningServer;
let browser: Browser;
let storageState: StorageState;
let from = 0;
let to = 0;
const q = () => `range=custom&from=${from}&to=${to}&tz=UTC`;

beforeAll(async () => {
  ensureBuilt();
  server = await startServer({ runs: 60, days: 5 });
  to = Math.ceil((server.seeded.now + 60_000) / 60_000) * 60_000;
  from = to - 7 * 86_400_000;
  browser = await launchChromium();
  storageState = await server.signedIn(browser); // sessions live in the database, so they outlast a restart
});

afterEach(async () => {
  await server.start(); // a failed test leaves the next one a running API
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** A page whose uncaught exceptions are collected (expected failed requests are not errors here). */
async function open(context: BrowserContext, path: string): Promise<{ page: Page; pageErrors: string[] }> {
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  await page.goto(server.url + path);
  return { page, pageErrors };
}

const navigations = (page: Page) => page.evaluate(() => performance.getEntriesByType("navigation").length);
const navLinks = (page: Page) => page.locator("header nav a").count();

describe("dashboard through an API outage", () => {
  it("a page whose code cannot be downloaded keeps the app, offers a retry, and opens by itself once the API is back", { timeout: 90_000 }, async () => {
    const context = await browser.newContext({ timezoneId: "UTC", locale: "en-US", storageState });
    const { page, pageErrors } = await open(context, `/?${q()}`);
    await page.waitForSelector("[data-chart='trend-lines'] .recharts-line-curve", { state: "attached" });
    const loads = await navigations(page);

    // Every request for the Quality page's code that finds no server.
    const chunkFailures: string[] = [];
    page.on("requestfailed", (r) => {
      if (/\/assets\/QualityPage-[^/]*\.js$/.test(new URL(r.url()).pathname)) chunkFailures.push(r.url());
    });

    await server.stop();
    await page.click("nav a:has-text('Quality')");
    // Retried with backoff, then a retry offer in place of the page; header and navigation stay.
    const failed = page.locator("[data-page-error='chunk']");
    await failed.waitFor({ timeout: 15_000 });
    // The first load and three retries (lib/lazy.ts: 0.5, 1 and 2 s apart) each asked the network again.
    expect(chunkFailures).toHaveLength(4);
    expect(await navLinks(page)).toBe(7);
    expect(await page.locator("header .brand").textContent()).toBe("Tally");
    expect(await failed.locator("button", { hasText: "Reload" }).count()).toBe(1);
    // The error is the page's heading (axe: page-has-heading-one).
    expect(await failed.locator("h1").textContent()).toBe("This page could not be downloaded from the server.");

    await server.start();
    // No click: the page asks the server every 5 s and fetches its code again once it answers.
    await page.waitForSelector("[data-chart='trend-lines'] .recharts-line-curve", { state: "attached", timeout: 20_000 });
    await page.waitForSelector("[data-chart='scatter'] .recharts-scatter-symbol", { state: "attached" });
    expect(await page.locator("[data-page-error]").count()).toBe(0);
    expect(await navigations(page)).toBe(loads); // no reload
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it("a failed refresh keeps the figures on screen under an offline banner, which leaves by itself when the API answers", async () => {
    const context = await browser.newContext({ timezoneId: "UTC", locale: "en-US", storageState });
    await context.clock.install();
    // A preset window, which slides with the clock: the outage must not turn its next minute into errors.
    const { page, pageErrors } = await open(context, "/?range=7d&tz=UTC");
    const runs = page.locator("[data-kpi='runs']");
    await runs.waitFor();
    await page.waitForSelector("[data-chart='stacked-bars'] .recharts-bar-rectangle path");
    const shownRuns = await runs.getAttribute("data-value");
    expect(Number(shownRuns)).toBe(server.seeded.runs);
    const loadedBy = await page.evaluate(() => Date.now());
    const loads = await navigations(page);

    await server.stop();
    // Two refresh intervals and a minute tick, on the page's clock; the failed fetch retries once after 1 s.
    await page.clock.fastForward(61_000);
    const banner = page.locator(".offline-banner");
    await banner.waitFor({ timeout: 15_000 });
    const since = Number(await banner.getAttribute("data-since"));
    expect(since).toBeGreaterThan(0);
    expect(since).toBeLessThanOrEqual(loadedBy);
    const hhmm = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", hour: "2-digit", minute: "2-digit" }).format(since);
    expect(await banner.textContent()).toContain(`Showing data from ${hhmm}`);
    // The figures stay, not error cards.
    expect(await runs.getAttribute("data-value")).toBe(shownRuns);
    expect(await page.locator("[data-chart='stacked-bars'] .recharts-bar-rectangle path").count()).toBeGreaterThan(0);
    expect(await page.locator("[data-chart='trend-lines'] .recharts-line-curve").count()).toBeGreaterThan(0);
    expect(await page.locator(".state-error").count()).toBe(0);

    // A range not loaded before fails card by card: the banner says why, once; no card is an alert of its own.
    await page.locator(".filterbar").getByRole("button", { name: "30d", exact: true }).click();
    await page.clock.fastForward(3_000);
    await page.waitForFunction(() => document.querySelectorAll(".state-error").length >= 2, null, { timeout: 15_000 });
    expect(await page.locator("main [role='alert']").count()).toBe(0);
    expect(await page.locator(".offline-banner[role='status']").count()).toBe(1);
    await page.locator(".filterbar").getByRole("button", { name: "7d", exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll(".state-error").length === 0, null, { timeout: 15_000 });

    // A run recorded during the outage shows once the API is back, with no click and no reload.
    const db = await connect({ url: server.dbUrl });
    const at = Date.now() - 60_000;
    await recordUsage(db, { runId: "outage-0001", functionSlug: "handle-support-ticket", customerId: "acme", model: "gpt-4o-mini", occurredAt: at, now: at }, {
      key: "outage-0001-costs",
      deferredRunId: "outage-0001-costs",
      kind: "agent",
      model: "gpt-4o-mini",
      usage: { input_tokens: 1000, output_tokens: 200, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 },
    });
    await db.destroy();
    await server.start();
    await page.clock.fastForward(31_000);
    await banner.waitFor({ state: "detached", timeout: 15_000 });
    await page.waitForFunction((n) => document.querySelector("[data-kpi='runs']")?.getAttribute("data-value") === String(n), server.seeded.runs + 1);
    expect(await page.locator(".state-error").count()).toBe(0);
    expect(await navigations(page)).toBe(loads);
    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it("a page that cannot render its data fails alone: the app stays and other pages open", async () => {
    // A time past the end of JavaScript's dates (8.64e15 ms), which no date formatter accepts, as a row
    // written before times were bounded can hold.
    const runId = server.seeded.runIds[0] ?? "";
    const db = await connect({ url: server.dbUrl });
    await db.updateTable("runs").set({ occurred_at: 9e15 }).where("run_id", "=", runId).execute();
    await db.destroy();

    const context = await browser.newContext({ timezoneId: "UTC", locale: "en-US", storageState });
    const { page } = await open(context, `/runs/${runId}?${q()}`);
    await page.locator("[data-page-error='render']").waitFor({ timeout: 15_000 });
    expect(await navLinks(page)).toBe(7);
    await page.click("nav a:has-text('Overview')");
    await page.waitForSelector("[data-kpi='runs']");
    expect(await page.locator("[data-page-error]").count()).toBe(0);
    await context.close();
  });
});
