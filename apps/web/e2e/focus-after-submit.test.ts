import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { describedBy } from "./browser.ts";
import { signedInSuite } from "./signed-in-suite.ts";

/**
 * Keyboard and screen-reader users keep their place: a form submitted with Enter leaves the focus on its
 * button or moves it to what appeared (a one-time secret), never to the top of the page; a button that cannot
 * act says why; the Runs page's score filter and reset do what they show.
 */

const suite = signedInSuite({ runs: 60 });
const open = suite.open;

/** What has the focus: its tag, accessible label or text, and whether it is the page's body. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    return { tag: e?.tagName ?? "", label: e?.getAttribute("aria-label") ?? (e?.id ? (document.querySelector(`label[for='${e.id}']`)?.textContent ?? "") : ""), text: e?.textContent?.trim() ?? "" };
  });

describe("focus after a submit", () => {
  it("a new API key and an invitation link take the focus when they appear; their buttons say why they wait", async () => {
    const page = await open("/settings?section=api-keys&tz=UTC");
    const form = page.getByRole("form", { name: "Create an API key" });
    const create = form.getByRole("button", { name: "Create key" });
    expect(await create.getAttribute("aria-disabled")).toBe("true");
    expect(await describedBy(create)).toBe("Enter a name for the key.");
    await form.getByLabel("Name").fill("focus-key");
    expect(await create.getAttribute("aria-disabled")).toBeNull();
    await form.getByLabel("Name").press("Enter");
    await page.waitForFunction(() => (document.activeElement as HTMLInputElement | null)?.value?.startsWith("tally_") ?? false);
    expect((await focused(page)).label).toBe('Secret of "focus-key" (viewer)');

    await page.goto(`${suite.server.url}/settings?section=users&tz=UTC`);
    const invite = page.getByRole("form", { name: "Invite a user" });
    const send = invite.getByRole("button", { name: "Create invitation link" });
    expect(await describedBy(send)).toBe("Enter their email.");
    // Enter on an empty form does nothing (the button is unavailable, and the click is cancelled).
    await invite.getByLabel("Email").press("Enter");
    expect(await page.locator("[data-invitation]").count()).toBe(0);
    await invite.getByLabel("Email").fill("focus@tally.test");
    await invite.getByLabel("Email").press("Enter");
    await page.waitForFunction(() => (document.activeElement as HTMLInputElement | null)?.value?.includes("/setup?token=") ?? false);
    expect((await focused(page)).label).toMatch(/^Setup link for focus@tally\.test/);
    await page.close();
  });

  it("a budget's Save keeps the focus once saved, and an invalid amount's hint describes the field and the button", async () => {
    const page = await open("/settings?tz=UTC");
    const input = page.locator("input[aria-label='Monthly budget of acme']");
    await input.waitFor();
    const save = page.locator("tr[data-customer='acme']").getByRole("button", { name: "Save" });
    await input.fill("abc");
    expect(await describedBy(input)).toBe("enter an amount like 250 or 99.50");
    expect(await describedBy(save)).toBe("enter an amount like 250 or 99.50");
    expect(await save.getAttribute("aria-disabled")).toBe("true");
    await input.fill("321");
    await save.focus();
    await page.keyboard.press("Enter");
    await page.locator("tr[data-customer='acme']").getByText("saved").waitFor();
    expect(await focused(page)).toMatchObject({ tag: "BUTTON", text: "Save" });
    const customers = await suite.server.query<{ id: string; monthlyBudgetMicros: number | null }[]>("customers.list", undefined);
    expect(customers.find((c) => c.id === "acme")?.monthlyBudgetMicros).toBe(321_000_000);

    // The judge's sampling form: Set rate keeps the focus through the request.
    const rates = page.getByRole("form", { name: "Set a sampling rate" });
    await rates.getByLabel("Model or customer id").fill("gpt-4o");
    await rates.getByLabel("Sample rate (0 to 1)").fill("0.5");
    await rates.getByRole("button", { name: "Set rate" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(async () => (await suite.server.query<{ key: string }[]>("judge.sampling.list", undefined)).map((o) => o.key)).toEqual(["gpt-4o"]);
    expect(await focused(page)).toMatchObject({ tag: "BUTTON", text: "Set rate" });
    await page.close();
  });

  it("an alert rule's old field error goes once the field is fixed and the form sent again", async () => {
    const page = await open("/settings?section=alerts&tz=UTC");
    const form = page.getByRole("form", { name: "Add an alert rule" });
    await form.getByLabel("Kind").selectOption("spend_over");
    const add = form.getByRole("button", { name: "Add rule" });
    expect(await describedBy(add)).toBe("Enter a name for the rule.");
    await form.getByLabel("Name").fill("Focus rule");
    await form.getByLabel("Amount (USD)").fill("5");
    const window = form.getByLabel("Window (hours, 1–720)");
    await window.fill("1000");
    await add.click();
    await page.waitForFunction(() => document.querySelector("form[aria-label='Add an alert rule'] input[aria-invalid='true']") !== null);
    expect(await describedBy(window)).toBe("windowHours must be at most 720 hours (30 days)");
    await window.fill("24");
    await form.getByLabel("Amount (USD)").fill("-3");
    await add.click();
    await page.waitForFunction(() => document.querySelectorAll("form[aria-label='Add an alert rule'] input[aria-invalid='true']").length === 1);
    expect(await window.getAttribute("aria-invalid")).toBeNull();
    expect(await form.getByLabel("Amount (USD)").getAttribute("aria-invalid")).toBe("true");
    expect(await focused(page)).toMatchObject({ tag: "BUTTON", text: "Add rule" });
    await page.close();
  });
});

describe("the Runs page's score filter", () => {
  it("says why Min above Max cannot be applied, shows only the range it applies, and Reset clears it", async () => {
    const page = await open("/runs?range=30d&tz=UTC");
    await page.getByTestId("score-name").selectOption({ index: 1 });
    const form = page.locator("form:has([data-testid='score-name'])");
    await form.getByLabel("Min").fill("0.9");
    await form.getByLabel("Max").fill("0.1");
    const filter = form.getByRole("button", { name: "Filter" });
    expect(await describedBy(filter)).toBe("Min is above Max.");
    const before = page.url();
    await form.getByLabel("Max").press("Enter");
    expect(page.url()).toBe(before);
    expect(await page.locator("[data-testid='runs-page']").count()).toBe(1); // the list, not an error

    // A range the API could not take, from a URL: the chip shows no range, as the list applies none.
    await page.goto(`${suite.server.url}/runs?range=30d&tz=UTC&score=accuracy&min=1.5`);
    await page.locator(".chip").first().waitFor();
    expect((await page.locator(".chip").first().textContent())?.replace("×", "").trim()).toBe("accuracy");

    await page.goto(`${suite.server.url}/runs?range=24h&tz=UTC&score=nosuch&min=0.2`);
    await page.getByRole("button", { name: "Reset filters" }).click();
    await page.waitForFunction(() => !location.search.includes("score="));
    expect(new URL(page.url()).searchParams.get("min")).toBeNull();
    await page.locator("[data-testid='runs-page']").waitFor();
    await page.close();
  });
});
