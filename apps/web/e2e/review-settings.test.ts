import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, ensureBuilt, type RunningServer, startServer } from "./server.ts";
import { SHOTS, launchChromium, seriousViolations } from "./browser.ts";

/**
 * Settings → Review sampling (issue 19) in Chromium against the real API: a reviewer sets, edits and removes
 * the review rate and threshold of score names (reviews.sampling.*, audited), with the API's field errors
 * beside their field; finance (who may change money, not reviews) reads them only, and no request is refused.
 */

const FORM = "Set review sampling for a score name";

let server: RunningServer;
let browser: Browser;
const accounts = {} as Record<"reviewer" | "finance", Account>;
const contexts = {} as Record<"reviewer" | "finance", BrowserContext>;
const problems: string[] = [];

interface Setting { name: string; rate: number; threshold: number | null; updatedBy: string }
interface Listing { defaultRate: number; defaultThreshold: number; items: Setting[] }
const stored = async () => (await server.query<Listing>("reviews.sampling.list", undefined)).items.map((s) => [s.name, s.rate, s.threshold, s.updatedBy]);

async function open(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`${path}: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 500 || r.status() === 403) problems.push(`${path}: HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(server.url + path);
  return page;
}

/** The table's rows as their cells' text, the actions column left out. */
const rows = (page: Page) =>
  page.locator("#review-sampling tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 3).map((td) => td.textContent)));

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ runs: 40, days: 2, env: { TALLY_REVIEW_SAMPLE_RATE: "0.1" } });
  browser = await launchChromium();
  for (const role of ["reviewer", "finance"] as const) {
    accounts[role] = await server.createAccount(role);
    const storageState = await server.signedIn(browser, accounts[role]);
    contexts[role] = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC", locale: "en-US", storageState });
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("Settings → Review sampling in Chromium", () => {
  it("a reviewer sets, edits and removes score names' review rate and threshold (audited); bad input is refused beside its field", async () => {
    const page = await open(contexts.reviewer, "/settings?section=review");
    const form = page.getByRole("form", { name: FORM });
    await form.waitFor();
    expect(await page.getByRole("link", { name: "Review sampling" }).getAttribute("aria-current")).toBe("page");
    // The defaults, as the server runs with them (TALLY_REVIEW_SAMPLE_RATE=0.1, threshold 3), and no setting yet.
    const defaults = page.locator("[data-default-rate]");
    await defaults.waitFor();
    expect([await defaults.getAttribute("data-default-rate"), await defaults.getAttribute("data-default-threshold")]).toEqual(["0.1", "3"]);
    expect(await defaults.textContent()).toBe("Score names without a setting: 10% sampled (TALLY_REVIEW_SAMPLE_RATE), reviewed when below 3 (1–2).");
    expect(await page.locator("#review-sampling .state-empty").textContent()).toContain("No score name has a setting of its own");
    // The score name box suggests the score names the judge has recorded.
    const names = await server.query<string[]>("runs.scoreNames", undefined);
    expect(names.length).toBeGreaterThan(0);
    await page.waitForFunction((n) => document.querySelectorAll("#review-sampling datalist option").length === n, names.length);
    expect(await page.locator("#review-sampling datalist option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(names);

    // A name that is no score name and a rate out of range: each message stands by its field, nothing is stored.
    const name = form.getByLabel("Score name");
    const rate = form.getByLabel("Sample rate (0 to 1)");
    const threshold = form.getByLabel("Always review when the judge scores");
    await name.fill("Tone!");
    await rate.fill("1.5");
    await form.getByRole("button", { name: "Save" }).click();
    await page.waitForFunction((f) => document.querySelectorAll(`form[aria-label='${f}'] [aria-invalid='true']`).length === 2, FORM);
    const messageOf = async (field: typeof name) => page.locator(`[id='${await field.getAttribute("aria-describedby")}']`).textContent();
    expect(await messageOf(name)).toBe("score names are lower_snake_case, at most 40 characters");
    expect(await messageOf(rate)).toBe("rate must be from 0 to 1");
    expect(await stored()).toEqual([]);

    // tone: a quarter sampled, always reviewed below 4.
    expect(await threshold.inputValue()).toBe("3");
    await name.fill("tone");
    await rate.fill("0.25");
    await threshold.selectOption("4");
    await form.getByRole("button", { name: "Save" }).click();
    await page.locator("tr[data-score-name='tone']").waitFor();
    expect(await rows(page)).toEqual([["tone", "25%", "below 4 (1–3)"]]);
    expect(await stored()).toEqual([["tone", 0.25, 4, accounts.reviewer.email]]);
    expect(await name.inputValue()).toBe("");

    // Edit fills the form with tone's setting; sampled only at half, no threshold.
    await page.getByRole("button", { name: "Edit the setting for tone" }).click();
    expect([await name.inputValue(), await rate.inputValue(), await threshold.inputValue()]).toEqual(["tone", "0.25", "4"]);
    await rate.fill("0.5");
    await threshold.selectOption({ label: "none: sampled only" });
    await form.getByRole("button", { name: "Save" }).click();
    await page.locator("tr[data-score-name='tone'][data-rate='0.5']").waitFor();
    expect(await stored()).toEqual([["tone", 0.5, null, accounts.reviewer.email]]);

    // accuracy: never sampled, every scored run reviewed; then removed (back to the defaults).
    await name.fill("accuracy");
    await rate.fill("0");
    await threshold.selectOption("6");
    await form.getByRole("button", { name: "Save" }).click();
    await page.locator("tr[data-score-name='accuracy']").waitFor();
    expect(await rows(page)).toEqual([
      ["accuracy", "0%", "below 6 (every scored run)"],
      ["tone", "50%", "none: sampled only"],
    ]);
    expect(await seriousViolations(page, "main")).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "settings-review-sampling.png"), fullPage: true });
    await page.getByRole("button", { name: "Remove the setting for accuracy (back to the defaults)" }).click();
    await page.locator("tr[data-score-name='accuracy']").waitFor({ state: "detached" });
    expect(await stored()).toEqual([["tone", 0.5, null, accounts.reviewer.email]]);

    const audit = await server.query<{ items: { action: string; target: string; actorLabel: string }[] }>("audit.list", {});
    const entries = audit.items.filter((e) => e.action.startsWith("reviewSampling.")).map((e) => [e.action, e.target, e.actorLabel]);
    expect(entries).toEqual([
      ["reviewSampling.remove", "reviewSampling:accuracy", accounts.reviewer.email],
      ["reviewSampling.set", "reviewSampling:accuracy", accounts.reviewer.email],
      ["reviewSampling.set", "reviewSampling:tone", accounts.reviewer.email],
      ["reviewSampling.set", "reviewSampling:tone", accounts.reviewer.email],
    ]);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("finance reads the settings and cannot change them (no control, no refused request)", async () => {
    const page = await open(contexts.finance, "/settings?section=review");
    await page.locator("tr[data-score-name='tone']").waitFor();
    expect(await rows(page)).toEqual([["tone", "50%", "none: sampled only"]]);
    expect(await page.locator("#review-sampling button, #review-sampling form, #review-sampling input, #review-sampling select").count()).toBe(0);
    expect(await page.locator("#review-sampling").textContent()).toContain("Reviewers and admins change these.");
    expect(await seriousViolations(page, "main")).toEqual([]);
    await page.close();
    expect(problems).toEqual([]);
  });
});
