import { describe, expect, it } from "vitest";
import { describedBy } from "./browser.ts";
import { signedInSuite } from "./signed-in-suite.ts";

/**
 * Inputs say what is wrong as it is typed, and follow the URL: the price form and the custom range say why
 * their button is disabled (the button's accessible description); a minimum difference out of range is named
 * while typed; the customer search shows the URL's text after a navigation that changes it.
 */

const suite = signedInSuite({ runs: 60 });
const open = suite.open;

describe("form feedback", () => {
  it("the price form names what is missing or malformed, and the button reads it", async () => {
    const page = await open("/settings");
    const form = page.getByRole("form", { name: "Add price" });
    const button = form.getByRole("button", { name: "Save price" });
    const why = form.getByRole("status");
    expect(await button.isDisabled()).toBe(true);
    expect(await why.textContent()).toBe("Enter the model id, the input price and the output price.");
    await form.locator("input[name='model']").fill("my-finetune");
    await form.locator("input[name='input']").fill("2.5.0");
    await form.locator("input[name='output']").fill("10");
    const reason = "Input price: “2.5.0” is not a price in USD per million tokens. Enter one like 2.50 (at most 6 decimals).";
    expect(await why.textContent()).toBe(reason);
    expect(await describedBy(button)).toBe(reason);
    expect(await button.isDisabled()).toBe(true);
    await form.locator("input[name='input']").fill("2.50");
    expect(await why.textContent()).toBe("");
    expect(await button.isDisabled()).toBe(false);
    // Saved: the focus moves to what happened and what comes next, not to the top of the page.
    await button.click();
    await page.locator(".reprice-offer").getByText("Saved.").waitFor();
    await page.waitForFunction(() => document.activeElement?.classList.contains("reprice-offer"));
    await page.close();
  });

  it("the custom range says why Apply is disabled, and Apply keeps the focus", async () => {
    const page = await open("/");
    await page.getByRole("button", { name: "Custom" }).click();
    await page.getByLabel("From", { exact: true }).fill("2026-11-20T10:00");
    await page.getByLabel("To", { exact: true }).fill("2026-11-20T09:00");
    expect(await page.getByRole("button", { name: "Apply" }).isDisabled()).toBe(true);
    expect(await describedBy(page.getByRole("button", { name: "Apply" }))).toBe("The range must end after it starts.");
    await page.getByLabel("To", { exact: true }).fill("2026-11-21T09:00");
    expect(await page.getByRole("button", { name: "Apply" }).isDisabled()).toBe(false);
    expect(await describedBy(page.getByRole("button", { name: "Apply" }))).toBe("");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL((u) => u.searchParams.get("range") === "custom");
    expect(Number(new URL(page.url()).searchParams.get("to")) - Number(new URL(page.url()).searchParams.get("from")), page.url()).toBe(23 * 3_600_000);
    // Applied without losing the focus (the fields are not rebuilt), and they show what was applied.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Apply");
    expect(await page.getByLabel("To", { exact: true }).inputValue()).toBe("2026-11-21T09:00");
    // A preset chosen elsewhere replaces the fields' text.
    await page.getByRole("button", { name: "7d", exact: true }).click();
    await page.getByRole("button", { name: "Custom" }).click();
    expect(await page.getByLabel("To", { exact: true }).inputValue()).not.toBe("2026-11-21T09:00");
    await page.close();
  });

  it("a minimum difference out of range is named as it is typed, and not taken", async () => {
    const page = await open("/quality");
    const input = page.getByLabel("Minimum difference worth calling");
    await input.fill("2");
    await page.getByRole("alert").filter({ hasText: 'minDiff must be a number from 0 to 1 (got "2")' }).waitFor();
    expect(new URL(page.url()).searchParams.get("minDiff")).toBeNull();
    expect(await input.getAttribute("aria-invalid")).toBe("true");
    await input.fill("0.25");
    await page.waitForURL((u) => u.searchParams.get("minDiff") === "0.25");
    expect(await page.getByRole("alert").filter({ hasText: "minDiff must be" }).count()).toBe(0);
    expect(await input.inputValue()).toBe("0.25");
    await page.close();
  });

  it("the customer search shows the URL's text after a navigation changes it", async () => {
    const page = await open("/spend?q=acme");
    const search = page.getByLabel("Search customers");
    expect(await search.inputValue()).toBe("acme");
    await search.fill("glob");
    await page.waitForURL((u) => u.searchParams.get("q") === "glob");
    // The nav's Spend link opens the page without the search: the box empties with the URL.
    await page.getByRole("link", { name: "Spend", exact: true }).first().click();
    await page.waitForURL((u) => u.pathname === "/spend" && !u.searchParams.has("q"));
    expect(await search.inputValue()).toBe("");
    await page.goBack();
    await page.waitForURL((u) => u.searchParams.get("q") === "glob");
    expect(await search.inputValue()).toBe("glob");
    await page.close();
  });
});
