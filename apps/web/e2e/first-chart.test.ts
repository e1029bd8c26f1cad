import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, type RunningServer, startServer } from "./server.ts";

/**
 * Overview draws its first chart (spend) on its own: the quality chart follows in a later task, and the
 * spend chart is drawn once — not again when the colour scale's models or the quality data arrive.
 * Watched from inside the page: every DOM mutation batch that adds or removes a chart shape is logged with
 * which charts have shapes after it.
 */
const WATCH = `(() => {
  window.__chartLog = [];
  const bars = "[data-chart='stacked-bars'] .recharts-bar-rectangle path";
  const lines = "[data-chart='trend-lines'] .recharts-line-curve";
  const isShape = (n) => n.nodeType === 1 && (n.matches?.(".recharts-bar-rectangle, .recharts-bar-rectangle path, .recharts-line-curve") || n.querySelector?.(".recharts-bar-rectangle path, .recharts-line-curve"));
  new MutationObserver((records) => {
    let removedBars = 0;
    let touched = false;
    for (const r of records) {
      for (const n of r.addedNodes) if (isShape(n)) touched = true;
      for (const n of r.removedNodes) if (isShape(n)) { touched = true; if (n.matches?.(".recharts-bar-rectangle") || n.querySelector?.(".recharts-bar-rectangle")) removedBars++; }
    }
    if (touched) window.__chartLog.push({ bars: document.querySelectorAll(bars).length, lines: document.querySelectorAll(lines).length, removedBars });
  }).observe(document, { childList: true, subtree: true });
})();`;

let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  ensureBuilt();
  server = await startServer({ runs: 360 });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("Overview's first chart", () => {
  it("the spend chart is drawn alone first, then the quality chart, and the spend bars are never redrawn", async () => {
    const context = await browser.newContext({ timezoneId: "UTC", locale: "en-US", storageState: await server.signedIn(browser) });
    await context.addInitScript(WATCH);
    const page = await context.newPage();
    await page.goto(`${server.url}/?range=custom&from=${server.seeded.now - 30 * 86_400_000}&to=${server.seeded.now + 60_000}&tz=UTC`);
    await page.waitForSelector("[data-chart='trend-lines'] .recharts-line-curve", { state: "attached" });
    // Every answer of the first load (filter bar lists, 30 s polling aside) has arrived and been drawn.
    await page.waitForLoadState("networkidle");
    await page.waitForTimeout(500);
    const log = await page.evaluate(() => (window as unknown as { __chartLog: { bars: number; lines: number; removedBars: number }[] }).__chartLog);
    const firstDrawn = log.find((e) => e.bars > 0 || e.lines > 0);
    expect(firstDrawn, JSON.stringify(log)).toBeDefined();
    // The first state with any chart shape has spend bars and no quality line yet.
    expect(firstDrawn!.bars, JSON.stringify(log)).toBeGreaterThan(0);
    expect(firstDrawn!.lines, JSON.stringify(log)).toBe(0);
    // Bars, once drawn, stay: no later batch removes one (a redraw in new colours would remove and re-add
    // them all). The first batch is one task: recharts' own passes may replace shapes within it.
    expect(log.slice(log.indexOf(firstDrawn!) + 1).reduce((sum, e) => sum + e.removedBars, 0), JSON.stringify(log)).toBe(0);
    expect(await page.locator("[data-chart='trend-lines'] .recharts-line-curve").count()).toBeGreaterThan(0);
    await context.close();
  });
});
