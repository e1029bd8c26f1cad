import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { enqueueReview, storeReview } from "@tally/inngest-functions";
import { connect } from "@tally/shared/db";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, E2E_ADMIN, ensureBuilt, type RunningServer, startServer } from "./server.ts";
import { SHOTS, launchChromium, seriousViolations } from "./browser.ts";

/**
 * Human review (issue 19) in Chromium against the real API: an admin reviews five runs with the keyboard
 * alone (no click after the page loads) and the API holds five reviews with the keyed values; a viewer
 * reads the queue without the form; Quality shows judge–human agreement with the low-kappa flag and its
 * link to the disagreements, and the human-corrected trend. The queue is filled through the production
 * writers (enqueueReview, storeReview) on runs the e2e seed scored.
 */

/** Items left pending for the browser, and items another reviewer already labelled (for agreement). */
const PENDING = 8;
const LABELLED = 34;
const OTHER = { id: "seed-reviewer", label: "ann@tally.test" };

let server: RunningServer;
let browser: Browser;
let viewer: Account;
const contexts = {} as Record<"admin" | "viewer", BrowserContext>;
const problems: string[] = [];
let window: { from: number; to: number };

interface QueueAnswer { items: { id: string; runId: string; status: string }[]; total: number }
interface ItemAnswer { judge: { name: string; rawValue: number }[]; reviews: { reviewerLabel: string; verdict: string; note: string | null; scores: { name: string; rawValue: number }[] }[] }
interface AgreementAnswer { rows: { name: string; judgeModel: string; rubricVersion: string; n: number; flagged: boolean; kappa: { value: number } | null }[] }

/**
 * Puts scored seed runs in the queue; the first LABELLED get a review by another reviewer who agrees with the
 * judge on accuracy and helpfulness and scores tone two points lower (the judge over-rates tone).
 */
async function fillQueue(): Promise<void> {
  const db = await connect({ url: server.dbUrl });
  const runs = await db
    .selectFrom("runs")
    .innerJoin("evaluations as e", "e.run_id", "runs.run_id")
    .select(["runs.run_id", "runs.model", "runs.customer_id", "runs.occurred_at", "e.id", "e.judge_model", "e.rubric_version"])
    .where("e.status", "=", "succeeded")
    .orderBy("runs.occurred_at", "desc")
    .limit(PENDING + LABELLED)
    .execute();
  expect(runs.length).toBe(PENDING + LABELLED);
  for (const [i, r] of runs.entries()) {
    const now = r.occurred_at + 10_000;
    const judge = await db.selectFrom("scores").select(["name", "raw_value"]).where("id", "like", `${r.id}:%`).execute();
    await enqueueReview(db, {
      id: r.id,
      runId: r.run_id,
      model: r.model,
      customerId: r.customer_id,
      judgeModel: r.judge_model,
      rubricVersion: r.rubric_version,
      // As the review gate decides: a criterion below the default threshold 3, else the sample.
      reason: judge.some((s) => s.raw_value < 3) ? "threshold" : "sample",
      input: `Ticket ${r.run_id}: my refund has not arrived after 10 days.`,
      output: `Sorry about the wait. Refunds take 5–7 business days; I have escalated ticket ${r.run_id}.`,
      occurredAt: r.occurred_at,
      now,
    });
    if (i < PENDING) continue;
    await storeReview(db, {
      itemId: r.id,
      reviewer: OTHER,
      verdict: i % 4 === 0 ? "bad" : "good",
      scores: judge.map((s) => ({ name: s.name, rawValue: s.name === "tone" ? Math.max(1, s.raw_value - 2) : s.raw_value })),
      now,
    });
  }
  await db.destroy();
}

async function open(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`${path}: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 500) problems.push(`${path}: HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(server.url + path);
  return page;
}

/** The item the page shows, once its form is ready. */
async function shownItem(page: Page): Promise<string> {
  await page.locator(".review-item-body[data-ready='true']").waitFor();
  return (await page.locator(".review-item-body").getAttribute("data-item")) ?? "";
}

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ runs: 90, days: 3 });
  await fillQueue();
  const to = Math.ceil(Date.now() / 60_000) * 60_000;
  window = { from: to - 4 * 86_400_000, to };
  browser = await launchChromium();
  viewer = await server.createAccount("viewer");
  const ctx = { viewport: { width: 1400, height: 1000 }, timezoneId: "UTC", locale: "en-US" } as const;
  contexts.admin = await browser.newContext({ ...ctx, storageState: await server.signedIn(browser) });
  contexts.viewer = await browser.newContext({ ...ctx, storageState: await server.signedIn(browser, viewer) });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("human review in Chromium", () => {
  it("an admin reviews five runs with the keyboard only, and the API stores five reviews with the keyed values", async () => {
    const range = `range=custom&from=${window.from}&to=${window.to}&tz=UTC`;
    const queueInput = { status: "pending", from: window.from, to: window.to, limit: 50 };
    const before = await server.query<QueueAnswer>("reviews.queue", queueInput);
    expect(before.total).toBe(PENDING);
    const page = await open(contexts.admin, `/review?${range}`);
    await page.locator("ol.review-list li").first().waitFor();
    expect(await page.locator("ol.review-list li").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-item")))).toEqual(before.items.map((i) => i.id));
    // The keys are on screen.
    expect(await page.locator(".review-item .card-head").textContent()).toContain("j/k item · 1–5 score · ←/→ criterion · g/b verdict · n note · Enter submit");

    // No mouse from here on: every action is a key.
    const keyed: { id: string; scores: Record<string, number>; verdict: "good" | "bad"; note: string | null }[] = [];
    for (let k = 0; k < 5; k++) {
      const id = await shownItem(page);
      expect(id).toBe(before.items[k]?.id); // the queue's order, the next after each review
      const names = await page.locator("table.criteria tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-criterion") ?? ""));
      expect(names).toEqual(["accuracy", "helpfulness", "tone"]);
      // Scores chosen here, one per criterion: 1–5 in turn, different per item.
      const values = names.map((_, c) => ((k + 2 * c) % 5) + 1);
      const verdict = k % 2 === 0 ? "bad" : "good";
      if (k === 1) {
        // Select the last criterion with ← first, score it, then the first two: → wraps to the first.
        await page.keyboard.press("ArrowLeft");
        await page.keyboard.press(String(values[2]));
        await page.keyboard.press("ArrowRight");
        await page.keyboard.press(String(values[0]));
        await page.keyboard.press(String(values[1]));
      } else if (k === 4) {
        // A burst, as key repeat or a fast typist gives: every key in one task, before React renders between them.
        await page.evaluate((keys) => {
          for (const key of keys) document.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
        }, [...values.map(String), verdict === "bad" ? "b" : "g"]);
      } else {
        for (const v of values) await page.keyboard.press(String(v));
      }
      if (k !== 4) await page.keyboard.press(verdict === "bad" ? "b" : "g");
      // A note of two lines: Enter in the note is a line break, not a submit.
      const note = k === 2 ? "Promised a refund date the policy does not give.\nAsk billing first." : null;
      if (note) {
        await page.keyboard.press("n");
        await page.keyboard.type(note);
        await page.keyboard.press("Escape");
      }
      expect(await page.locator("table.criteria .score-buttons").evaluateAll((gs) => gs.map((g) => Number(g.getAttribute("data-mine"))))).toEqual(values);
      await page.keyboard.press("Enter");
      await page.locator(".confirm-bar").waitFor();
      expect(await page.locator(".confirm-bar span").textContent()).toBe(`Submit ${names.map((n, c) => `${n} ${values[c]}`).join(", ")}, verdict ${verdict}? Enter confirms, Escape goes back.`);
      if (k === 0) {
        await page.screenshot({ path: join(SHOTS, "review.png"), fullPage: true });
        expect(await seriousViolations(page, "main")).toEqual([]);
      }
      await page.keyboard.press("Enter");
      await page.locator(`.review-stored[data-stored='${id}']`).waitFor();
      keyed.push({ id, scores: Object.fromEntries(names.map((n, c) => [n, values[c] as number])), verdict, note });
    }

    // The queue moved on to the sixth item, and j / k move through what is left of it.
    expect(await shownItem(page)).toBe(before.items[5]?.id);
    await page.keyboard.press("j");
    await page.waitForFunction((id) => document.querySelector(".review-item-body")?.getAttribute("data-item") === id, before.items[6]?.id);
    await page.keyboard.press("k");
    await page.waitForFunction((id) => document.querySelector(".review-item-body")?.getAttribute("data-item") === id, before.items[5]?.id);

    // The API holds exactly these five reviews by the admin, with the keyed values.
    for (const want of keyed) {
      const item = await server.query<ItemAnswer>("reviews.item", { id: want.id });
      const mine = item.reviews.filter((r) => r.reviewerLabel === E2E_ADMIN.email);
      expect(mine.map((r) => ({ verdict: r.verdict, note: r.note, scores: Object.fromEntries(r.scores.map((s) => [s.name, s.rawValue])) }))).toEqual([
        { verdict: want.verdict, note: want.note, scores: want.scores },
      ]);
    }
    const db = await connect({ url: server.dbUrl });
    const rows = await db.selectFrom("reviews").select("item_id").where("reviewer_label", "=", E2E_ADMIN.email).execute();
    const items = await db.selectFrom("review_items").select(["id", "status"]).where("id", "in", keyed.map((r) => r.id)).execute();
    await db.destroy();
    expect(rows.map((r) => r.item_id).sort()).toEqual(keyed.map((r) => r.id).sort());
    expect(items.map((i) => i.status)).toEqual(["reviewed", "reviewed", "reviewed", "reviewed", "reviewed"]);
    expect((await server.query<QueueAnswer>("reviews.queue", queueInput)).total).toBe(PENDING - 5);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("an item opened from the queue with the mouse takes the review keys: Enter confirms and submits it", async () => {
    const page = await open(contexts.admin, `/review?range=custom&from=${window.from}&to=${window.to}&tz=UTC`);
    const link = page.locator("ol.review-list li").nth(1).locator("a"); // not the first, shown on opening
    const id = (await page.locator("ol.review-list li").nth(1).getAttribute("data-item")) ?? "";
    await link.click();
    expect(await shownItem(page)).toBe(id);
    await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains("review-item-body") ?? false)).toBe(true);
    for (const key of ["4", "4", "4", "g", "Enter"]) await page.keyboard.press(key);
    await page.locator(".confirm-bar").waitFor();
    await page.keyboard.press("Enter");
    await page.locator(`.review-stored[data-stored='${id}']`).waitFor();
    const item = await server.query<ItemAnswer>("reviews.item", { id });
    expect(item.reviews.filter((r) => r.reviewerLabel === E2E_ADMIN.email).map((r) => r.verdict)).toEqual(["good"]);
    await page.close();
  });

  it("the review keys are the item's: on another control they do nothing, and ↓ on the page itself scrolls", async () => {
    const page = await open(contexts.admin, `/review?range=custom&from=${window.from}&to=${window.to}&tz=UTC`);
    const id = await shownItem(page);
    await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Spend" }).focus();
    for (const key of ["3", "g", "j"]) await page.keyboard.press(key);
    expect(await page.locator("button.verdict-good").getAttribute("aria-pressed")).toBe("false");
    expect(await page.locator("table.criteria .score-buttons").evaluateAll((gs) => gs.map((g) => g.getAttribute("data-mine")))).toEqual(["", "", ""]);
    expect(await shownItem(page)).toBe(id);
    await page.evaluate(() => (document.activeElement as HTMLElement).blur());
    await page.keyboard.press("ArrowDown");
    expect(await shownItem(page)).toBe(id);
    // On the page itself the letter keys are the review's, as the key line says.
    await page.keyboard.press("g");
    expect(await page.locator("button.verdict-good").getAttribute("aria-pressed")).toBe("true");
    await page.close();
  });

  it("a viewer reads the queue, the judge's scores and other reviewers' labels, without the form", async () => {
    const page = await open(contexts.viewer, `/review?status=reviewed&range=custom&from=${window.from}&to=${window.to}&tz=UTC&fn=tally-handle-support-ticket`);
    const id = await shownItem(page);
    // The filter bar's function filter is not one the queue applies: the page says so rather than seem filtered.
    expect(await page.locator("main [role='note']").textContent()).toBe("The queue filters by model, customer and window; the function tally-handle-support-ticket filter does not apply here.");
    const item = await server.query<ItemAnswer>("reviews.item", { id });
    const judged = await page.locator("table.criteria tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-criterion"), Number(tr.querySelector("[data-judge]")?.getAttribute("data-judge"))]));
    expect(judged).toEqual(item.judge.map((j) => [j.name, j.rawValue]));
    expect(await page.locator(".review-item form").count()).toBe(0);
    // The queue's CSV: one row per stored review of the reviewed items, with the viewer's session.
    const href = (await page.getByTestId("export-reviews-csv").getAttribute("href")) ?? "";
    const csv = await (await contexts.viewer.request.get(server.url + href)).text();
    // One record per line ending (CRLF); a quoted cell (a note of several lines) may hold line breaks of its own.
    const [header, ...lines] = csv.match(/(?:"(?:[^"]|"")*"|[^"\r\n])*\r\n/g) ?? [];
    expect(header?.split(",").slice(0, 3)).toEqual(["item_id", "run_id", "occurred_at"]);
    const db = await connect({ url: server.dbUrl });
    const reviews = await db.selectFrom("reviews").select(["item_id", "reviewer_label"]).execute();
    await db.destroy();
    expect(lines.length).toBe(reviews.length);
    expect(lines.filter((l) => l.includes(`,${E2E_ADMIN.email},`)).length).toBe(reviews.filter((r) => r.reviewer_label === E2E_ADMIN.email).length);
    expect(await page.locator(".score-buttons").count()).toBe(0);
    expect(await seriousViolations(page, "main")).toEqual([]);
    await page.close();
    expect(problems).toEqual([]);
  });

  it("Quality shows judge–human agreement per score × judge × rubric, flags tone's low kappa and links to its disagreements; the trend turns human-corrected", async () => {
    const range = `range=custom&from=${window.from}&to=${window.to}&tz=UTC`;
    const page = await open(contexts.admin, `/quality?${range}&score=tone`);
    const card = page.locator("section.agreement");
    await card.locator("tbody tr").first().waitFor();
    const answer = await server.query<AgreementAnswer>("quality.agreement", { from: window.from, to: window.to, timeZone: "UTC" });
    const shown = await card.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-agreement"), tr.getAttribute("data-flagged")]));
    expect(shown).toEqual(answer.rows.map((r) => [`${r.name}/${r.judgeModel}/${r.rubricVersion}`, String(r.flagged)]));
    // The other reviewer scored tone two points under the judge on 34 items: kappa falls under 0.4 with n ≥ 30.
    const tone = answer.rows.find((r) => r.name === "tone");
    expect(tone?.n).toBeGreaterThanOrEqual(LABELLED);
    expect(tone?.flagged).toBe(true);
    expect(answer.rows.find((r) => r.name === "accuracy")?.flagged).toBe(false);
    const flag = card.locator(".agreement-flags li");
    expect(await flag.count()).toBe(1);
    expect(await flag.textContent()).toContain(`tone by gpt-4o-mini (rubric-v1): kappa ${tone?.kappa?.value.toFixed(2)} is below 0.40 over ${tone?.n} pairs`);
    await card.screenshot({ path: join(SHOTS, "agreement.png") });
    expect(await seriousViolations(page, "main")).toEqual([]);

    // The human-corrected toggle asks the trend, the comparison and cost vs quality with corrected, and keeps it in the URL.
    const asked = ["quality.trend", "quality.compareModels", "quality.costVsQuality"].map((p) =>
      page.waitForRequest((r) => r.url().includes(p) && decodeURIComponent(r.url()).includes('"corrected":true')),
    );
    await page.getByLabel("Human-corrected").check();
    await Promise.all(asked);
    expect(new URL(page.url()).searchParams.get("corrected")).toBe("1");

    // The flag's link opens the reviewed tone items where a reviewer disagrees with the judge.
    await flag.getByRole("link", { name: "See the disagreements" }).click();
    await page.locator("ol.review-list li").first().waitFor();
    const url = new URL(page.url());
    const linked = ["status", "scoreName", "judgeModel", "rubricVersion", "disagree"].map((k) => url.searchParams.get(k));
    expect([url.pathname, ...linked]).toEqual(["/review", "reviewed", "tone", "gpt-4o-mini", "rubric-v1", "1"]);
    expect(await page.locator(".review-page .chip").allTextContents()).toEqual(["only where a reviewer disagrees with the judge on tone×", "judged by gpt-4o-mini (rubric-v1)×"]);
    const filter = { status: "reviewed", scoreName: "tone", judgeModel: "gpt-4o-mini", rubricVersion: "rubric-v1", disagree: true };
    const disagreements = await server.query<QueueAnswer>("reviews.queue", { ...filter, from: window.from, to: window.to, limit: 50 });
    expect(await page.locator("ol.review-list li").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-item")))).toEqual(disagreements.items.map((i) => i.id));
    expect(disagreements.total).toBeGreaterThan(0);
    await page.close();
    expect(problems).toEqual([]);
  });
});
