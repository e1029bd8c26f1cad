import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { signedInSuite } from "./signed-in-suite.ts";

/**
 * Settings from the keyboard, in Chromium against the real API: after Cancel, "I have copied it", a revoke or a
 * removal the focus lands on the control that opened the action or on the table that now holds the result,
 * never on the page's body (where the next Tab starts again at the top); an alert rule's "on" box keeps the
 * focus through its request, so Space toggles it again; a refused Save changes or Remove keeps the focus on its
 * button and the refusal is announced (role=alert).
 */

const suite = signedInSuite({ runs: 10 });

/** What has the focus: its tag, aria-label, text, and its table's caption when it is a table. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const e = document.activeElement;
    return { tag: e?.tagName ?? "", label: e?.getAttribute("aria-label") ?? null, text: e?.textContent?.trim() ?? "", caption: e?.querySelector(":scope > caption")?.textContent ?? null };
  });

/** A tRPC mutation with the page's own session cookie; its HTTP status. */
const mutate = (page: Page, path: string, input: unknown) =>
  page.evaluate(
    async ([path, body]) => (await fetch(`/api/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body })).status,
    [path, JSON.stringify(input)] as const,
  );

type Rule = { id: string; name: string; enabled: boolean };

/** Settings → Alerts with a new spend rule called `name` listed; `rule()` reads it back from the API. */
async function openWithRule(name: string) {
  const page = await suite.open("/settings?section=alerts&tz=UTC");
  expect(await mutate(page, "alerts.rules.create", { kind: "spend_over", name, params: { amountMicros: 5_000_000, windowHours: 24 }, enabled: true })).toBe(200);
  const rule = async () => (await suite.server.query<Rule[]>("alerts.rules.list", undefined)).find((r) => r.name === name);
  const id = (await rule())!.id;
  await page.reload();
  await page.locator(`tr[data-rule='${id}']`).waitFor();
  return { page, id, rule };
}

describe("settings from the keyboard", () => {
  it("Cancel on a price's edit form gives the focus back to that row's Edit button", async () => {
    const page = await suite.open("/settings?tz=UTC");
    const day = 86_400_000;
    const price = { model: "kbd-model", provider: "", inputMicrosPerMtok: 1_000_000, outputMicrosPerMtok: 2_000_000, cacheReadMicrosPerMtok: null, cacheWriteMicrosPerMtok: null };
    // Two dated prices of one model: the focus goes back to the Edit button of the row that was edited.
    expect(await mutate(page, "prices.upsert", { ...price, effectiveFrom: Math.floor(Date.now() / day) * day - 20 * day })).toBe(200);
    expect(await mutate(page, "prices.upsert", { ...price, effectiveFrom: Math.floor(Date.now() / day) * day - 10 * day })).toBe(200);
    await page.reload();
    const edits = page.locator("tr[data-price-model='kbd-model']").getByRole("button", { name: "Edit kbd-model" });
    await expect.poll(() => edits.count()).toBe(2);
    await edits.nth(1).focus();
    await page.keyboard.press("Enter");
    const form = page.getByRole("form", { name: "Edit price" });
    await form.waitFor();
    expect(await focused(page)).toMatchObject({ tag: "INPUT" }); // the input price
    await form.getByRole("button", { name: "Cancel" }).focus();
    await page.keyboard.press("Enter");
    await form.waitFor({ state: "detached" });
    expect(await focused(page)).toMatchObject({ tag: "BUTTON", label: "Edit kbd-model" });
    expect(await edits.nth(1).evaluate((b) => b === document.activeElement)).toBe(true);
    await page.close();
  });

  it("after a new key's 'I have copied it' the focus is on Create key", async () => {
    const page = await suite.open("/settings?section=api-keys&tz=UTC");
    const form = page.getByRole("form", { name: "Create an API key" });
    await form.getByLabel("Name").fill("kbd-key");
    await form.getByLabel("Name").press("Enter");
    await page.waitForFunction(() => (document.activeElement as HTMLInputElement | null)?.value?.startsWith("tally_") ?? false);
    await page.getByRole("button", { name: "I have copied it" }).focus();
    await page.keyboard.press("Enter");
    await page.locator("[data-new-key='kbd-key']").waitFor({ state: "detached" });
    expect(await focused(page)).toMatchObject({ tag: "BUTTON", text: "Create key" });
    await page.close();
  });

  it("after a key is revoked from the keyboard, the focus is on the keys table", async () => {
    const page = await suite.open("/settings?section=api-keys&tz=UTC");
    expect(await mutate(page, "apiKeys.create", { name: "kbd-revoked", role: "viewer" })).toBe(200);
    await page.reload();
    const row = page.locator("tr[data-api-key='kbd-revoked']");
    await row.waitFor();
    await row.getByRole("button", { name: "Revoke kbd-revoked" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: 'Revoke the key "kbd-revoked"?' });
    await dialog.waitFor();
    await page.keyboard.press("Tab"); // from Cancel, the safe answer, to Revoke key
    expect((await focused(page)).text).toBe("Revoke key");
    await Promise.all([page.waitForResponse((r) => r.url().includes("apiKeys.revoke") && r.status() === 200), page.keyboard.press("Enter")]);
    await row.locator(".badge.bad").waitFor();
    expect(await row.getByRole("button", { name: "Revoke kbd-revoked" }).count()).toBe(0);
    await expect.poll(async () => (await focused(page)).caption).toMatch(/^API keys, newest first \(\d+ active\)$/);
    expect((await focused(page)).tag).toBe("TABLE");
    await page.close();
  });

  it("a refused Save changes or Remove keeps the focus on its button and announces why", async () => {
    // A price edited on a page while another admin removed it: the server refuses the update.
    const page = await suite.open("/settings?tz=UTC");
    const day = 86_400_000;
    const key = { model: "kbd-gone", provider: "", effectiveFrom: Math.floor(Date.now() / day) * day - 5 * day };
    expect(await mutate(page, "prices.upsert", { ...key, inputMicrosPerMtok: 1_000_000, outputMicrosPerMtok: 2_000_000, cacheReadMicrosPerMtok: null, cacheWriteMicrosPerMtok: null })).toBe(200);
    await page.reload();
    await page.locator("tr[data-price-model='kbd-gone']").getByRole("button", { name: "Edit kbd-gone" }).click();
    const form = page.getByRole("form", { name: "Edit price" });
    await form.waitFor();
    expect(await mutate(page, "prices.remove", key)).toBe(200);
    const save = form.getByRole("button", { name: "Save changes" });
    await save.focus();
    await page.keyboard.press("Enter");
    await page.locator("[role='alert']").filter({ hasText: "no price override kbd-gone" }).waitFor();
    expect(await save.evaluate((b) => b === document.activeElement)).toBe(true);

    // A removal sent while the API is down.
    await suite.server.createAccount("viewer", "kbd-down@team.test");
    await page.goto(`${suite.server.url}/settings?section=users&tz=UTC`);
    const row = page.locator("tr[data-user='kbd-down@team.test']");
    await row.waitFor();
    await suite.server.stop();
    try {
      const remove = row.getByRole("button", { name: "Remove kbd-down@team.test" });
      await remove.focus();
      await page.keyboard.press("Enter");
      await page.getByRole("dialog", { name: "Remove kbd-down@team.test?" }).waitFor();
      await page.keyboard.press("Tab");
      expect((await focused(page)).text).toBe("Remove user");
      await page.keyboard.press("Enter");
      await row.locator("[role='alert']").waitFor();
      await expect.poll(() => remove.evaluate((b) => b === document.activeElement)).toBe(true);
    } finally {
      await suite.server.start();
    }
    await page.close();
  });

  it("an alert rule's box toggles twice with Space, keeping the focus through each request", async () => {
    const { page, id, rule } = await openWithRule("Kbd toggle");
    const row = page.locator(`tr[data-rule='${id}']`);
    const box = row.getByRole("checkbox");
    await box.waitFor();
    const boxHasFocus = () => box.evaluate((b) => b === document.activeElement);

    await box.focus();
    await page.keyboard.press("Space");
    await page.locator(`tr[data-rule='${id}'][data-enabled='0']`).waitFor();
    await page.waitForFunction((id) => !document.querySelector(`tr[data-rule='${id}'] input[type='checkbox']`)?.hasAttribute("aria-disabled"), id);
    expect((await rule())?.enabled).toBe(false);
    expect(await boxHasFocus()).toBe(true);
    // The second Space reaches the box again.
    await page.keyboard.press("Space");
    await page.locator(`tr[data-rule='${id}'][data-enabled='1']`).waitFor();
    await expect.poll(async () => (await rule())?.enabled).toBe(true);
    expect(await boxHasFocus()).toBe(true);
    expect(await box.isChecked()).toBe(true);
    await page.close();
  });

  it("after an alert rule is removed from the keyboard, the focus is on the rules table", async () => {
    const { page, id, rule } = await openWithRule("Kbd remove");
    const row = page.locator(`tr[data-rule='${id}']`);
    await row.getByRole("button", { name: "Remove Kbd remove" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: 'Remove the rule "Kbd remove"?' });
    await dialog.waitFor();
    await page.keyboard.press("Tab");
    expect((await focused(page)).text).toBe("Remove rule");
    await Promise.all([page.waitForResponse((r) => r.url().includes("alerts.rules.remove") && r.status() === 200), page.keyboard.press("Enter")]);
    await row.waitFor({ state: "detached" });
    expect(await rule()).toBeUndefined();
    await expect.poll(() => focused(page)).toMatchObject({ tag: "TABLE", label: "Alert rules" });
    await page.close();
  });
});
