import { describe, expect, it } from "vitest";
import { signedInSuite } from "./signed-in-suite.ts";

/**
 * Moving between pages with a keyboard or a screen reader, in Chromium against the real API: each page names
 * itself in the document title; a change of page puts the focus at the page's start and says where the user
 * is, once; a skip button leads past the header; the sticky filter bar never hides the focused element.
 */
const suite = signedInSuite({ runs: 200 });

describe("changing page", () => {
  it("titles each page; a change of page focuses the page and announces it, the first load does neither", async () => {
    const page = await suite.open("/spend?range=7d&tz=UTC");
    expect(await page.title()).toBe("Spend · Tally");
    expect(await page.evaluate(() => document.activeElement === document.body)).toBe(true);
    expect(await page.locator("p.sr-only[role='status']").textContent()).toBe("");
    await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Runs" }).click();
    await expect.poll(() => page.title()).toBe("Runs · Tally");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
    expect(await page.locator("p.sr-only[role='status']").textContent()).toBe("Runs");
    // The next Tab lands inside the page, not on the header.
    await page.locator("tr[data-run-id]").first().waitFor();
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.closest("main") !== null)).toBe(true);
    // A run's page names the run; a change of the query string alone moves nothing.
    const runId = (await page.locator("tr[data-run-id]").first().getAttribute("data-run-id")) ?? "";
    await page.goto(`${suite.server.url}/runs/${encodeURIComponent(runId)}`);
    expect(await page.title()).toBe(`Run ${runId} · Tally`);
    await page.close();
  });

  it("the first Tab reaches a skip button that moves the focus to the page", async () => {
    const page = await suite.open("/?range=7d&tz=UTC");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to the page");
    expect(await page.evaluate(() => document.activeElement?.getBoundingClientRect().top ?? -1)).toBeGreaterThanOrEqual(0); // shown when focused
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
    await page.close();
  });

  it("Shift+Tab up a long page never leaves the focused element behind the sticky filter bar", async () => {
    const page = await suite.open("/spend?range=30d&tz=UTC");
    await page.locator("table[aria-label='Spend by model'] tbody tr").first().waitFor();
    await page.waitForLoadState("networkidle");
    // From the page's last control, at the bottom of the page, upwards.
    await page.evaluate(() => {
      const controls = [...document.querySelectorAll<HTMLElement>("main a[href], main button:not([disabled]), main select, main input, main [tabindex='0']")];
      controls.at(-1)?.focus();
      window.scrollTo(0, document.documentElement.scrollHeight);
    });
    let checked = 0;
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press("Shift+Tab");
      const at = await page.evaluate(() => {
        const sticky = document.querySelector(".filterbar")!;
        const bar = sticky.getBoundingClientRect();
        const el = document.activeElement as HTMLElement;
        if (!el || sticky.contains(el) || el.closest(".topbar") || el === document.body) return null;
        const r = el.getBoundingClientRect();
        return { top: r.top, barBottom: bar.bottom };
      });
      if (at === null) break;
      expect(at.top).toBeGreaterThanOrEqual(at.barBottom - 1);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
    await page.close();
  });
});
