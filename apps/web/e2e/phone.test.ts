import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, type RunningServer, type StorageState, startServer } from "./server.ts";
import { launchChromium, seriousViolations } from "./browser.ts";

/**
 * Phone width and keyboard drill-down, in Debian Chromium against the built app and the real API:
 * every page at 375×812 fits the screen (document scrollWidth ≤ 375), the nav folds behind a menu button,
 * and a chart point, a bar and a Spend row open from the keyboard exactly as a click opens them.
 */

const PHONE = { width: 375, height: 812 };

let server: RunningServer;
let browser: Browser;
let storageState: StorageState;
let from = 0;
let to = 0;
const q = () => `range=custom&from=${from}&to=${to}&tz=UTC`;

beforeAll(async () => {
  ensureBuilt();
  server = await startServer({ runs: 240 });
  to = Math.ceil((server.seeded.now + 60_000) / 60_000) * 60_000;
  from = to - 14 * 86_400_000;
  browser = await launchChromium();
  storageState = await server.signedIn(browser);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function newContext(viewport: { width: number; height: number }, signedIn = true): Promise<BrowserContext> {
  return browser.newContext({ viewport, timezoneId: "UTC", locale: "en-US", ...(signedIn ? { storageState } : {}) });
}

/** Waits for the page's queries and recharts' layout, then reads how wide the document is. */
async function widthOf(page: Page, path: string): Promise<{ path: string; scrollWidth: number }> {
  await page.goto(server.url + path);
  await page.waitForLoadState("networkidle");
  await page.waitForSelector("main", { state: "attached", timeout: 20_000 }).catch(() => {
    throw new Error(`${path}: no <main> after 20 s`);
  });
  await page.waitForTimeout(300);
  const scrollWidth = await page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
  if (process.env.H6_DIAG && scrollWidth > 375) console.log(path, await page.evaluate(() => [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > 377).slice(0, 8).map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)));
  return { path, scrollWidth };
}

/** Tabs from the top of the page until an element matching `selector` has focus (at most `max` presses). */
async function tabTo(page: Page, selector: string, max = 80): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`no ${selector} reached by Tab within ${max} presses`);
}

describe("phone width (375 px)", () => {
  it("no page scrolls sideways, signed in or not; axe finds nothing serious at this width (a table that scrolls takes focus)", async () => {
    const context = await newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${server.url}/runs?${q()}`);
    const runHref = await page.locator("a[href^='/runs/']").first().getAttribute("href");
    expect(runHref).toMatch(/^\/runs\/.+/);
    const paths = [
      `/?${q()}`,
      `/quality?${q()}`,
      `/spend?${q()}`,
      `/runs?${q()}`,
      runHref!,
      `/review?${q()}`,
      `/alerts?${q()}`,
      "/settings",
      "/settings?section=alerts",
      "/settings?section=review",
      "/settings?section=users",
      "/settings?section=api-keys",
      "/settings?section=audit",
      "/no-such-page",
    ];
    const widths = [];
    const violations: string[] = [];
    for (const p of [...paths, `/statement?customer=acme&month=${new Date().toISOString().slice(0, 7)}&tz=UTC`]) {
      widths.push(await widthOf(page, p));
      violations.push(...(await seriousViolations(page, "main")).map((v) => `${p}: ${v}`));
    }
    await context.close();
    expect(violations).toEqual([]);
    const open = await newContext(PHONE, false);
    widths.push(await widthOf(await open.newPage(), "/sign-in"));
    await open.close();
    expect(widths.filter((w) => w.scrollWidth > PHONE.width)).toEqual([]);
  }, 180_000);

  it("between phone and desktop (721–920 px, where the nav once stayed open) no page scrolls sideways and the account menu is on screen", async () => {
    const wide: string[] = [];
    for (const width of [768, 834, 900]) {
      const context = await newContext({ width, height: 900 });
      const page = await context.newPage();
      for (const path of [`/?${q()}`, `/spend?${q()}`, "/settings", "/settings?section=api-keys", "/settings?section=users"]) {
        const w = await widthOf(page, path);
        const menuRight = await page.locator(".user-menu-toggle").evaluate((e) => e.getBoundingClientRect().right);
        if (w.scrollWidth > width || menuRight > width) wide.push(`${width} ${path}: page ${w.scrollWidth}, menu ends at ${Math.round(menuRight)}`);
      }
      await context.close();
    }
    expect(wide).toEqual([]);
  }, 120_000);

  it("tables keep each figure and id on one line (they scroll), and Review stacks the queue above the item", async () => {
    const context = await newContext(PHONE);
    const page = await context.newPage();
    const broken: string[] = [];
    for (const path of [`/quality?${q()}`, `/spend?${q()}`, `/runs?${q()}`]) {
      await widthOf(page, path);
      // A token of a cell (a figure, a count, a part of an id between hyphens) laid out on more than one line.
      const split = await page.evaluate(() => {
        const out: string[] = [];
        for (const td of document.querySelectorAll("td")) {
          const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            for (const m of (n.textContent ?? "").matchAll(/[^\s\-–]{2,}/g)) {
              const range = document.createRange();
              range.setStart(n, m.index);
              range.setEnd(n, m.index + m[0].length);
              if (new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1) out.push(m[0]);
            }
          }
        }
        return out;
      });
      broken.push(...split.map((t) => `${path.split("?")[0]}: ${t}`));
    }
    expect(broken).toEqual([]);
    // The queue and the item each take the screen's width (side by side, the item was ~85 px).
    await widthOf(page, `/review?${q()}`);
    const cards = await page.locator(".review-layout > *").evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    expect(cards.length).toBeGreaterThan(0);
    for (const w of cards) expect(w).toBeGreaterThan(PHONE.width - 60);
    await context.close();
  }, 120_000);

  it("the nav folds behind a menu button that opens it and leads to the page", async () => {
    const context = await newContext(PHONE);
    const page = await context.newPage();
    await page.goto(`${server.url}/?${q()}`);
    const runsLink = page.locator("nav[aria-label='Pages'] a", { hasText: "Runs" });
    expect(await runsLink.isVisible()).toBe(false);
    const toggle = page.getByRole("button", { name: "Menu", exact: true });
    expect(await toggle.getAttribute("aria-expanded")).toBe("false");
    await toggle.click();
    expect(await toggle.getAttribute("aria-expanded")).toBe("true");
    await runsLink.click();
    await page.waitForURL(/\/runs\?/);
    expect(await runsLink.isVisible()).toBe(false);
    await context.close();
  }, 60_000);
});

describe("keyboard drill-down", () => {
  /** Where a click on the element lands, from a fresh page (the reference the keyboard must match). */
  async function clickLanding(context: BrowserContext, path: string, selector: string): Promise<string> {
    const page = await context.newPage();
    await page.goto(server.url + path);
    await page.locator(selector).first().waitFor();
    const before = page.url();
    await page.locator(selector).first().dispatchEvent("click");
    await page.waitForURL((u) => u.toString() !== before);
    const url = page.url();
    await page.close();
    return url;
  }

  it("Tab to a trend point, Enter: Runs narrowed as a click narrows it; Space on a bar does the same", async () => {
    const context = await newContext({ width: 1280, height: 800 });
    const page = await context.newPage();
    await page.goto(`${server.url}/?${q()}`);
    await page.waitForSelector("[data-chart='trend-lines'] .trend-dot[data-point]");
    await tabTo(page, "[data-chart='trend-lines'] [data-point]");
    const point = await page.evaluate(() => document.activeElement!.getAttribute("data-point")!);
    const name = await page.evaluate(() => document.activeElement!.getAttribute("aria-label"));
    // Arrow right moves to the series' next point, left comes back.
    await page.keyboard.press("ArrowRight");
    expect(await page.evaluate(() => document.activeElement!.getAttribute("data-point"))).not.toBe(point);
    await page.keyboard.press("ArrowLeft");
    expect(await page.evaluate(() => document.activeElement!.getAttribute("data-point"))).toBe(point);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/runs\?/);
    const byKey = new URL(page.url());
    const byClick = new URL(await clickLanding(context, `/?${q()}`, `[data-chart='trend-lines'] [data-point='${point}']`));
    expect(byKey.pathname).toBe("/runs");
    expect(byKey.searchParams.get("range")).toBe("custom");
    expect(byKey.searchParams.get("model")).toBe(name!.split(",")[0]);
    expect(byKey.search).toBe(byClick.search);

    await page.goto(`${server.url}/?${q()}`);
    await page.waitForSelector("[data-chart='stacked-bars'] [data-point]");
    await tabTo(page, "[data-chart='stacked-bars'] [data-point]");
    const bar = await page.evaluate(() => document.activeElement!.getAttribute("data-point")!);
    await page.keyboard.press(" ");
    await page.waitForURL(/\/runs\?/);
    const barByKey = new URL(page.url());
    const barByClick = new URL(await clickLanding(context, `/?${q()}`, `[data-chart='stacked-bars'] [data-point='${bar}']`));
    expect(barByKey.searchParams.get("range")).toBe("custom");
    expect(barByKey.search).toBe(barByClick.search);
    await context.close();
  }, 90_000);

  it("Quality's comparison bars and cost-quality points: Tab, arrows and Enter open a model's runs as a click does", async () => {
    const context = await newContext({ width: 1280, height: 800 });
    const page = await context.newPage();
    for (const [chart, next] of [["compare", "ArrowDown"], ["scatter", "ArrowRight"]] as const) {
      await page.goto(`${server.url}/quality?${q()}`);
      await page.waitForSelector(`[data-chart='${chart}'] [data-point]`);
      await tabTo(page, `[data-chart='${chart}'] [data-point]`, 200);
      const first = await page.evaluate(() => document.activeElement!.getAttribute("data-point"));
      await page.keyboard.press(next);
      const point = await page.evaluate(() => document.activeElement!.getAttribute("data-point")!);
      expect(point, chart).not.toBe(first);
      const name = await page.evaluate(() => document.activeElement!.getAttribute("aria-label")!);
      await page.keyboard.press("Enter");
      await page.waitForURL(/\/runs\?/);
      const byKey = new URL(page.url());
      expect(byKey.searchParams.get("model"), chart).toBe(name.split(":")[0]);
      const byClick = new URL(await clickLanding(context, `/quality?${q()}`, `[data-chart='${chart}'] [data-point='${point}']`));
      expect(byKey.search, chart).toBe(byClick.search);
    }
    await context.close();
  }, 90_000);

  it("Spend's customer and model rows are tab stops that open with Enter", async () => {
    const context = await newContext({ width: 1280, height: 800 });
    const page = await context.newPage();
    await page.goto(`${server.url}/spend?${q()}`);
    await page.waitForSelector("table[aria-label='Customers'] tbody tr[data-customer]");
    await tabTo(page, "table[aria-label='Customers'] tbody tr");
    const customer = await page.evaluate(() => document.activeElement!.getAttribute("data-customer"));
    await page.keyboard.press("Enter");
    await page.waitForURL((u) => new URL(u).searchParams.get("customer") === customer);

    await page.goto(`${server.url}/spend?${q()}`);
    await page.waitForSelector("table[aria-label='Spend by model'] tbody tr[data-model]");
    await tabTo(page, "table[aria-label='Spend by model'] tbody tr", 200);
    const model = await page.evaluate(() => document.activeElement!.getAttribute("data-model"));
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/runs\?/);
    expect(new URL(page.url()).searchParams.get("model")).toBe(model);
    await context.close();
  }, 90_000);
});
