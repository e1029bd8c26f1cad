import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contrast } from "../src/lib/colors.ts";
import { ensureBuilt, type RunningServer, startServer, type StorageState } from "./server.ts";
import { describedBy, launchChromium, seriousViolations } from "./browser.ts";

/**
 * Every page, light and dark (the browser's prefers-color-scheme), in Chromium against the real API: axe-core
 * finds no serious or critical violation on the whole document; the dark theme is really applied; chart
 * series are drawn at 3:1 on their card and legend text in the text colour; the 404 page highlights no nav
 * entry; the add-customer form says why its button is disabled.
 */

const SCHEMES = [
  { scheme: "light", bg: "rgb(246, 247, 249)" },
  { scheme: "dark", bg: "rgb(13, 17, 23)" },
] as const;

let server: RunningServer;
let browser: Browser;
let session: StorageState;

function pages(runId: string): string[] {
  const settings = ["", "?section=alerts", "?section=review", "?section=users", "?section=api-keys", "?section=audit"].map((s) => `/settings${s}`);
  return ["/", "/quality", "/spend", "/runs", `/runs/${encodeURIComponent(runId)}`, "/review", "/alerts", ...settings, "/no-such-page"];
}

/** Opens a page and waits until it has drawn: no skeleton left, network quiet. */
async function openSettled(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(server.url + path);
  try {
    await page.locator("main, .auth-page").first().waitFor({ state: "attached" });
    await page.waitForLoadState("networkidle");
    await page.waitForFunction(() => document.querySelector(".skeleton") === null, null, { timeout: 30_000 });
  } catch (e) {
    throw new Error(`${path} did not settle (at ${page.url()}): ${String(e)}`);
  }
  return page;
}

/** "rgb(r, g, b)" → "#rrggbb". */
const hex = (rgb: string) => `#${(rgb.match(/\d+/g) ?? []).slice(0, 3).map((n) => Number(n).toString(16).padStart(2, "0")).join("")}`;

beforeAll(async () => {
  ensureBuilt();
  server = await startServer({ runs: 120 });
  browser = await launchChromium();
  session = await server.signedIn(browser);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.each(SCHEMES)("every page in the $scheme scheme", ({ scheme, bg }) => {
  it("axe finds nothing serious or critical, and the theme is the scheme's", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC", locale: "en-US", colorScheme: scheme, storageState: session });
    const found: string[] = [];
    try {
      for (const path of pages(server.seeded.runIds[0]!)) {
        const page = await openSettled(context, path);
        expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor), path).toBe(bg);
        found.push(...(await seriousViolations(page)).map((v) => `${path}: ${v}`));
        await page.close();
      }
      const signedOut = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: scheme });
      const signIn = await signedOut.newPage();
      await signIn.goto(`${server.url}/sign-in`);
      await signIn.getByLabel("Email").waitFor();
      expect(await signIn.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe(bg);
      found.push(...(await seriousViolations(signIn)).map((v) => `/sign-in: ${v}`));
      await signedOut.close();
    } finally {
      await context.close();
    }
    expect(found).toEqual([]);
  });

  it("draws chart series at 3:1 on their card, with legend text in the text colour", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC", locale: "en-US", colorScheme: scheme, storageState: session });
    try {
      let marks = 0;
      let legends = 0;
      for (const path of ["/", "/spend", "/quality"]) {
        const page = await openSettled(context, path);
        await page.locator(".recharts-surface").first().waitFor({ state: "attached" });
        const drawn = await page.evaluate(() => {
          const card = (el: Element) => getComputedStyle(el.closest(".card")!).backgroundColor;
          const marks = [...document.querySelectorAll(".recharts-bar-rectangle path, .recharts-line-curve, .recharts-legend-item-icon, .recharts-legend-item path")];
          const series = marks.map((el) => {
            const s = getComputedStyle(el);
            return { color: el.classList.contains("recharts-line-curve") ? s.stroke : s.fill, card: card(el) };
          });
          const legend = [...document.querySelectorAll(".recharts-legend-item-text")].map((el) => ({ color: getComputedStyle(el).color, text: getComputedStyle(document.body).color }));
          // A legend icon is named by its entry's text ("gpt-4o legend icon"), never by an internal series key.
          const icons = [...document.querySelectorAll(".recharts-legend-item")].map((li) => [li.querySelector("svg")?.getAttribute("aria-label"), `${li.querySelector(".recharts-legend-item-text")?.textContent} legend icon`]);
          return { series, legend, icons };
        });
        marks += drawn.series.length;
        legends += drawn.legend.length;
        for (const m of drawn.series.filter((x) => x.color !== "none")) {
          expect(contrast(hex(m.color), hex(m.card)), `${path}: ${m.color} on ${m.card}`).toBeGreaterThanOrEqual(3);
        }
        for (const l of drawn.legend) expect(l.color, path).toBe(l.text);
        for (const [label, expected] of drawn.icons) expect(label, path).toBe(expected);
        await page.close();
      }
      expect(marks).toBeGreaterThan(0);
      expect(legends).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });
});

describe("a narrow phone for the roles that edit nothing", () => {
  it("a viewer's and a reviewer's pages at 320 px (WCAG reflow): axe finds nothing serious or critical (a wide table with no control takes focus to scroll)", async () => {
    const found: string[] = [];
    for (const role of ["viewer", "reviewer"] as const) {
      const storageState = await server.signedIn(browser, await server.createAccount(role));
      const context = await browser.newContext({ viewport: { width: 320, height: 720 }, timezoneId: "UTC", locale: "en-US", storageState });
      try {
        for (const path of ["/", "/quality", "/spend", "/runs", "/review", "/settings", "/no-such-page"]) {
          const page = await openSettled(context, path);
          found.push(...(await seriousViolations(page)).map((v) => `${role} ${path}: ${v}`));
          await page.close();
        }
      } finally {
        await context.close();
      }
    }
    expect(found).toEqual([]);
  });
});

describe("navigation and forms say where you are and what is wrong", () => {
  it("a path with no page highlights no nav entry; a run's detail highlights Runs", async () => {
    const context = await browser.newContext({ storageState: session });
    try {
      const page = await openSettled(context, "/no-such-page");
      await page.getByRole("heading", { level: 1, name: "No page at /no-such-page." }).waitFor();
      expect(await page.locator('nav[aria-label="Pages"] a[aria-current="page"]').count()).toBe(0);
      const overview = await openSettled(context, "/");
      expect(await overview.locator('nav[aria-label="Pages"] a[aria-current="page"]').allTextContents()).toEqual(["Overview"]);
      const detail = await openSettled(context, `/runs/${encodeURIComponent(server.seeded.runIds[0]!)}`);
      expect(await detail.locator('nav[aria-label="Pages"] a[aria-current="page"]').allTextContents()).toEqual(["Runs"]);
    } finally {
      await context.close();
    }
  });

  it("the add-customer form says why its button is disabled, and the button reads the reason", async () => {
    const context = await browser.newContext({ storageState: session });
    try {
      const page = await openSettled(context, "/settings");
      const form = page.locator("form").filter({ has: page.getByRole("button", { name: "Add customer" }) });
      const button = form.getByRole("button", { name: "Add customer" });
      const why = form.getByRole("status");
      expect(await button.isDisabled()).toBe(true);
      expect(await why.textContent()).toBe("Enter an id and a name.");
      await form.getByLabel("Id (as sent in customerId)").fill("vandelay");
      await form.getByLabel("Name").fill("Vandelay Industries");
      await form.getByLabel("Monthly budget (USD, optional)").fill("12.5.0");
      expect(await button.isDisabled()).toBe(true);
      const reason = "Monthly budget: “12.5.0” is not an amount in USD. Enter one like 250 or 99.50 (at most 6 decimals), or leave it empty for no budget.";
      expect(await why.textContent()).toBe(reason);
      // The reason is the button's accessible description: a screen reader hears it on the button.
      expect(await describedBy(button)).toBe(reason);
      await form.getByLabel("Monthly budget (USD, optional)").fill("250");
      expect(await button.isDisabled()).toBe(false);
      expect(await why.textContent()).toBe("");
      await button.click();
      await page.locator("tr[data-customer='vandelay']").waitFor();
    } finally {
      await context.close();
    }
  });
});
