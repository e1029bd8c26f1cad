// Screenshots of every page in the light and the dark theme, on a desktop and a phone viewport, against the
// real API and the built app on a freshly seeded demo database (as the browser tests start it):
//   npm run screenshots:themes -w @tally/web   (or: npx tsx apps/web/scripts/theme-screenshots.ts [--out dir])
// Writes <out>/<page>-<light|dark>-<desktop|phone>.png; out defaults to docs/screenshots/themes.
// Not a test: nothing is asserted, and `npm test` does not run it.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "playwright-core";
import { ensureBuilt, startServer } from "../e2e/server.ts";

const outArg = process.argv.indexOf("--out");
const OUT = outArg > 0 && process.argv[outArg + 1]
  ? resolve(process.argv[outArg + 1]!)
  : resolve(fileURLToPath(new URL("../../../docs/screenshots/themes", import.meta.url)));
const PAGES = [["overview", "/"], ["quality", "/quality"], ["spend", "/spend"], ["runs", "/runs"], ["review", "/review"], ["alerts", "/alerts"], ["settings", "/settings"]] as const;
const SCHEMES = ["light", "dark"] as const;
const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

/** Waits until the page has drawn: no skeleton left, network quiet, recharts' layout passes done. */
async function settle(page: Page, path: string): Promise<void> {
  try {
    await page.locator("main").first().waitFor({ state: "attached" });
    await page.waitForLoadState("networkidle");
    await page.waitForFunction(() => document.querySelector(".skeleton") === null, null, { timeout: 30_000 });
    await page.waitForTimeout(300);
  } catch (e) {
    throw new Error(`${path} did not settle (at ${page.url()}): ${String(e)}`);
  }
}

ensureBuilt();
mkdirSync(OUT, { recursive: true });
const server = await startServer({ runs: 360 });
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
try {
  // A fixed window over the seeded runs, so every shot shows the same data.
  const to = Math.ceil((server.seeded.now + 60_000) / 60_000) * 60_000;
  const query = `?range=custom&from=${to - 14 * 86_400_000}&to=${to}&tz=UTC`;
  // Signed in once through the real /sign-in page, as the admin the server makes at start.
  const storageState = await server.signedIn(browser);
  for (const [device, viewport] of Object.entries(VIEWPORTS)) {
    const context = await browser.newContext({ viewport, timezoneId: "UTC", locale: "en-US", storageState, isMobile: device === "phone", hasTouch: device === "phone" });
    const page = await context.newPage();
    page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
    for (const scheme of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [name, path] of PAGES) {
        await page.goto(`${server.url}${path}${path === "/settings" ? "" : query}`);
        await settle(page, path);
        const file = join(OUT, `${name}-${scheme}-${device}.png`);
        await page.screenshot({ path: file, fullPage: true });
        console.log(`wrote ${file}`);
      }
    }
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
