import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";

/** The browser tests' Chromium: Debian's, headless, without background traffic (no update checks, no sync, no QUIC). */
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/** Where screenshots go: docs/screenshots with TALLY_SCREENSHOTS=1 (the README's pictures), else a temp folder. */
export const SHOTS = process.env.TALLY_SCREENSHOTS === "1"
  ? resolve(fileURLToPath(new URL("../../../docs/screenshots", import.meta.url)))
  : join(tmpdir(), "tally-screenshots");

/** axe-core's script, injected into a page to audit it. */
export const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * axe-core's violations as "rule: target" lines, inside `within` (a selector; the whole document without it):
 * every impact, or only serious and critical ones. Evaluated through the DevTools protocol: the page's CSP
 * (script-src 'self') refuses an injected <script>.
 */
export async function axeViolations(page: Page, within?: string, impacts: "all" | "serious" = "all"): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(
    async ([within, impacts]) => {
      type Result = { violations: { id: string; impact: string | null; nodes: { target: unknown }[] }[] };
      const axe = (window as unknown as { axe: { run: (c: unknown, o: unknown) => Promise<Result> } }).axe;
      const r = await axe.run(within ? { include: [[within]] } : document, { resultTypes: ["violations"] });
      return r.violations
        .filter((v) => impacts === "all" || v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(" ")}`);
    },
    [within, impacts] as const,
  );
}

/** The text a control's `aria-describedby` names (what a screen reader reads with it), its ids' texts joined by spaces. */
export function describedBy(control: Locator): Promise<string | undefined> {
  return control.evaluate((c) => c.getAttribute("aria-describedby")?.split(" ").map((id) => document.getElementById(id)?.textContent).join(" "));
}

/** The serious and critical violations only (axeViolations). */
export const seriousViolations = (page: Page, within?: string): Promise<string[]> => axeViolations(page, within, "serious");

/** A full-page screenshot into SHOTS once the page's queries have landed (`settleMs` more for charts' layout passes). */
export async function shot(page: Page, name: string, settleMs = 0): Promise<void> {
  await page.waitForLoadState("networkidle");
  if (settleMs > 0) await page.waitForTimeout(settleMs);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * Clicks `target` until the page's URL matches `url`: up to `attempts` clicks, `perTryMs` each. Under load (a
 * 2-core CI machine running the suite) a chart laid out again between Playwright's hit test and its mouse
 * events lost a click on a trend point (CI, three times in one file); a user clicks again, and so does this.
 * The drill-down itself is still asserted: no attempt navigating fails the test.
 */
export async function clickThrough(page: Page, target: Locator, url: RegExp, attempts = 3, perTryMs = 10_000): Promise<void> {
  for (let i = 1; ; i++) {
    await target.click();
    try {
      await page.waitForURL(url, { timeout: perTryMs });
      return;
    } catch (e) {
      if (url.test(page.url())) return;
      if (i >= attempts) throw e;
    }
  }
}
