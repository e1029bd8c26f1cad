import { describe, expect, it } from "vitest";
import { describedBy } from "./browser.ts";
import { signedInSuite } from "./signed-in-suite.ts";

/**
 * Inputs say what is wrong as it is typed, and follow the URL: in the price form and the custom range each
 * invalid field names its own message (its accessible description), and the button's description says why it
 * is disabled; the price form's live regions speak once per error, not per keystroke; a minimum difference out
 * of range is named while typed; the customer search shows the URL's text after a navigation that changes it.
 */

const suite = signedInSuite({ runs: 60 });
const open = suite.open;

describe("form feedback", () => {
  it("the price form names what is missing, and each malformed price by its field; the button reads both", async () => {
    const page = await open("/settings");
    const form = page.getByRole("form", { name: "Add price" });
    const button = form.getByRole("button", { name: "Save price" });
    const missing = form.locator("#add-price-problem");
    expect(await button.isDisabled()).toBe(true);
    expect(await missing.textContent()).toBe("Enter the model id, the input price and the output price.");
    expect(await describedBy(button)).toBe("Enter the model id, the input price and the output price.");
    await form.locator("input[name='model']").fill("my-finetune");
    await form.locator("input[name='output']").fill("10");
    expect(await missing.textContent()).toBe("Enter the input price.");

    // Typed a key at a time: the live regions speak once, when the field's error appears, not at each keystroke.
    await form.evaluate((f) => {
      const said: string[] = [];
      (window as unknown as { said: string[] }).said = said;
      const regions = () => [...f.querySelectorAll("[role='status'], [role='alert'], [aria-live]")];
      const last = new Map(regions().map((r) => [r, r.textContent ?? ""]));
      new MutationObserver(() => {
        for (const r of regions()) {
          const text = r.textContent ?? "";
          if (text !== (last.get(r) ?? "")) {
            last.set(r, text);
            if (text.trim() !== "") said.push(text);
          }
        }
      }).observe(f, { subtree: true, childList: true, characterData: true });
    });
    const input = form.locator("input[name='input']");
    await input.pressSequentially("1.2x5");
    const reason = "Input price: not a dollar amount. Enter one like 2.50 (at most 6 decimals).";
    await page.waitForFunction(() => (window as unknown as { said: string[] }).said.length > 0);
    expect(await page.evaluate(() => (window as unknown as { said: string[] }).said)).toEqual([reason]);

    // The field names its own error, shown beside it; the button names it too.
    expect(await input.getAttribute("aria-invalid")).toBe("true");
    expect(await describedBy(input)).toBe(reason);
    const message = page.locator(`[id='${await input.getAttribute("aria-describedby")}']`);
    expect(await message.isVisible()).toBe(true);
    expect(await form.locator(".form-field:has(input[name='input']) .field-error").textContent()).toBe(reason);
    expect(await missing.textContent()).toBe("");
    expect((await describedBy(button))?.trim()).toBe(reason);
    expect(await button.isDisabled()).toBe(true);

    // Two fields wrong at once: each names its own message.
    const cacheWrite = form.locator("input[name='cacheWrite']");
    await cacheWrite.fill("-1");
    expect(await describedBy(cacheWrite)).toBe("Cache write price: not a dollar amount. Enter one like 2.50 (at most 6 decimals), or leave it empty.");
    expect(await describedBy(input)).toBe(reason);
    expect(await form.locator("[aria-invalid='true']").count()).toBe(2);
    await cacheWrite.fill("");
    expect(await cacheWrite.getAttribute("aria-invalid")).toBeNull();
    expect(await cacheWrite.getAttribute("aria-describedby")).toBeNull();

    await input.fill("2.50");
    expect(await input.getAttribute("aria-invalid")).toBeNull();
    expect(await input.getAttribute("aria-describedby")).toBeNull();
    expect(await button.isDisabled()).toBe(false);
    // Saved: the focus moves to what happened and what comes next, not to the top of the page.
    await button.click();
    await page.locator(".reprice-offer").getByText("Saved.").waitFor();
    await page.waitForFunction(() => document.activeElement?.classList.contains("reprice-offer"));
    await page.close();
  });

  it("the custom range's fields name their own problem, Apply says why it is disabled, and Apply keeps the focus", async () => {
    const page = await open("/");
    await page.getByRole("button", { name: "Custom" }).click();
    const from = page.getByLabel("From", { exact: true });
    const to = page.getByLabel("To", { exact: true });
    await from.fill("2026-11-20T10:00");
    await to.fill("2026-11-20T09:00");
    expect(await page.getByRole("button", { name: "Apply" }).isDisabled()).toBe(true);
    expect(await describedBy(page.getByRole("button", { name: "Apply" }))).toBe("The range must end after it starts.");
    expect(await to.getAttribute("aria-invalid")).toBe("true");
    expect(await describedBy(to)).toBe("The range must end after it starts.");
    expect(await from.getAttribute("aria-invalid")).toBeNull();
    expect(await from.getAttribute("aria-describedby")).toBeNull();
    // An incomplete From: that field says so (and To's order problem waits for a complete From).
    await from.fill("");
    expect(await from.getAttribute("aria-invalid")).toBe("true");
    expect(await describedBy(from)).toBe("From: enter a complete date and time.");
    expect(await to.getAttribute("aria-invalid")).toBeNull();
    expect(await describedBy(page.getByRole("button", { name: "Apply" }))).toBe("From: enter a complete date and time.");
    await from.fill("2026-11-20T10:00");
    await to.fill("2026-11-21T09:00");
    expect(await page.getByRole("button", { name: "Apply" }).isDisabled()).toBe(false);
    expect(await describedBy(page.getByRole("button", { name: "Apply" }))).toBe("");
    expect(await to.getAttribute("aria-invalid")).toBeNull();
    expect(await to.getAttribute("aria-describedby")).toBeNull();
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL((u) => u.searchParams.get("range") === "custom");
    expect(Number(new URL(page.url()).searchParams.get("to")) - Number(new URL(page.url()).searchParams.get("from")), page.url()).toBe(23 * 3_600_000);
    // Applied without losing the focus (the fields are not rebuilt), and they show what was applied.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Apply");
    expect(await to.inputValue()).toBe("2026-11-21T09:00");
    // A preset chosen elsewhere replaces the fields' text.
    await page.getByRole("button", { name: "7d", exact: true }).click();
    await page.getByRole("button", { name: "Custom" }).click();
    expect(await to.inputValue()).not.toBe("2026-11-21T09:00");
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
