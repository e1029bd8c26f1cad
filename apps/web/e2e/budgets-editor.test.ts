import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { signedInSuite } from "./signed-in-suite.ts";

/**
 * Settings → Customers and budgets, in Chromium against the real API: a row follows the customer as the list
 * refetches (a value changed elsewhere is not left stale in its input, where the next Save would write it
 * back), and "Add a customer" refuses an id that exists (adding it would rename it and replace its budget).
 */

const suite = signedInSuite({ runs: 10 });

/** A tRPC mutation with the page's own session cookie; its HTTP status. */
const mutate = (page: Page, path: string, input: unknown) =>
  page.evaluate(
    async ([path, body]) => (await fetch(`/api/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body })).status,
    [path, JSON.stringify(input)] as const,
  );

describe("the budgets editor", () => {
  it("shows a budget changed elsewhere once the list refetches, with nothing left to save", async () => {
    const page = await suite.open("/settings?tz=UTC");
    expect(await mutate(page, "customers.upsert", { id: "stale-a", name: "Stale A", monthlyBudgetMicros: 750_000 })).toBe(200);
    expect(await mutate(page, "customers.upsert", { id: "stale-b", name: "Stale B", monthlyBudgetMicros: 500_000 })).toBe(200);
    await page.reload();
    const budgetB = page.locator("input[aria-label='Monthly budget of stale-b']");
    await budgetB.waitFor();
    expect(await page.inputValue("input[aria-label='Monthly budget of stale-a']")).toBe("0.75");
    // Another user raises A to $9 while this page is open; this page then saves B, which refetches the list.
    expect(await mutate(page, "customers.upsert", { id: "stale-a", name: "Stale A", monthlyBudgetMicros: 9_000_000 })).toBe(200);
    await budgetB.fill("2");
    await page.locator("tr[data-customer='stale-b'] button:has-text('Save')").click();
    await page.waitForSelector("tr[data-customer='stale-b'] :text('saved')");
    await expect.poll(() => page.inputValue("input[aria-label='Monthly budget of stale-a']")).toBe("9");
    expect(await page.getAttribute("tr[data-customer='stale-a'] button:has-text('Save')", "aria-disabled")).toBe("true");
    const list = await suite.server.query<{ id: string; monthlyBudgetMicros: number | null }[]>("customers.list", undefined);
    expect(list.filter((c) => c.id.startsWith("stale-")).map((c) => [c.id, c.monthlyBudgetMicros])).toEqual([["stale-a", 9_000_000], ["stale-b", 2_000_000]]);
    await page.close();
  });

  it("refuses to add an id that exists, saying to edit its row; a new id is added", async () => {
    const page = await suite.open("/settings?tz=UTC");
    expect(await mutate(page, "customers.upsert", { id: "taken", name: "Taken", monthlyBudgetMicros: 300_000 })).toBe(200);
    await page.reload();
    await page.locator("tr[data-customer='taken']").waitFor();
    await page.getByLabel("Id (as sent in customerId)").fill("taken");
    await page.getByLabel("Name", { exact: true }).fill("Taken over");
    expect(await page.isDisabled("button:has-text('Add customer')")).toBe(true);
    expect(await page.textContent("#add-customer-problem")).toBe("A customer “taken” exists: change its name or budget in its row above.");
    await page.getByLabel("Id (as sent in customerId)").fill("fresh");
    expect(await page.isDisabled("button:has-text('Add customer')")).toBe(false);
    await page.click("button:has-text('Add customer')");
    await page.locator("tr[data-customer='fresh']").waitFor();
    const list = await suite.server.query<{ id: string; name: string; monthlyBudgetMicros: number | null }[]>("customers.list", undefined);
    expect(list.find((c) => c.id === "taken")).toMatchObject({ name: "Taken", monthlyBudgetMicros: 300_000 });
    expect(list.find((c) => c.id === "fresh")).toMatchObject({ name: "Taken over", monthlyBudgetMicros: null });
    await page.close();
  });
});
