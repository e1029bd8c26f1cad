import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { signedInSuite } from "./signed-in-suite.ts";

/**
 * Settings → Users from the keyboard alone, in Chromium against the real API: arrow keys on a closed role
 * select pick a role without applying it (Apply does, once), focus stays on the select through Apply and
 * Cancel, and after a removal it lands on the users table, not on the page's body.
 */

const suite = signedInSuite({ runs: 10 });

const focused = (page: Page) => page.evaluate(() => ({ tag: document.activeElement?.tagName, label: document.activeElement?.getAttribute("aria-label") ?? null }));

/** users.setRole requests the page sends from now on. */
function countSetRole(page: Page): { count: number } {
  const seen = { count: 0 };
  page.on("request", (r) => {
    if (r.url().includes("users.setRole")) seen.count++;
  });
  return seen;
}

describe("users from the keyboard", () => {
  it("arrow keys pick a role, Apply applies it once, Cancel keeps the old one; focus stays on the select", async () => {
    const member = await suite.server.createAccount("viewer");
    const page = await suite.open("/settings?section=users&tz=UTC");
    const select = page.getByLabel(`Role of ${member.email}`);
    await select.waitFor();
    const setRoles = countSetRole(page);

    await select.focus();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    expect(await select.inputValue()).toBe("reviewer"); // viewer → finance → reviewer, nothing sent
    await page.waitForTimeout(300);
    expect(setRoles.count).toBe(0);

    // Cancel: the stored role is back, still unsent, and the select keeps the focus.
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    expect((await focused(page)).label).toBe(`Keep viewer for ${member.email}`);
    await page.keyboard.press("Enter");
    await expect.poll(() => select.inputValue()).toBe("viewer");
    expect(await focused(page)).toEqual({ tag: "SELECT", label: `Role of ${member.email}` });
    expect(setRoles.count).toBe(0);

    // Apply: one request, the new role stored, focus back on the select.
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Tab");
    expect((await focused(page)).label).toBe(`Apply role finance to ${member.email}`);
    await Promise.all([page.waitForResponse((r) => r.url().includes("users.setRole") && r.status() === 200), page.keyboard.press("Enter")]);
    await expect.poll(async () => (await suite.server.query<{ email: string; role: string }[]>("users.list", undefined)).find((u) => u.email === member.email)?.role).toBe("finance");
    await expect.poll(() => focused(page)).toEqual({ tag: "SELECT", label: `Role of ${member.email}` });
    expect(setRoles.count).toBe(1);
    expect(await page.getByRole("button", { name: /^Apply role/ }).count()).toBe(0);
    const audit = await suite.server.query<{ items: { action: string; target: string }[] }>("audit.list", { action: "users.setRole" });
    expect(audit.items.filter((i) => i.target.includes(member.email))).toHaveLength(1);
    await page.close();
  });

  it("after a user is removed from the keyboard, focus is on the users table", async () => {
    const member = await suite.server.createAccount("viewer");
    const page = await suite.open("/settings?section=users&tz=UTC");
    const remove = page.getByRole("button", { name: `Remove ${member.email}` });
    await remove.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: `Remove ${member.email}?` });
    await dialog.waitFor();
    expect((await focused(page)).tag).toBe("BUTTON"); // Cancel, the safe answer
    await page.keyboard.press("Tab");
    await Promise.all([page.waitForResponse((r) => r.url().includes("users.remove") && r.status() === 200), page.keyboard.press("Enter")]);
    await page.locator(`tr[data-user='${member.email}']`).waitFor({ state: "detached" });
    await expect.poll(() => page.evaluate(() => document.activeElement?.querySelector("caption")?.textContent ?? document.activeElement?.tagName)).toMatch(/^Users \(\d+\)$/);
    await page.close();
  });
});
