import { mkdirSync } from "node:fs";

import { formatMicros } from "@tally/shared";
import { connect, type Db } from "@tally/shared/db";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Account, ensureBuilt, type RunningServer, startServer } from "./server.ts";
import { SHOTS, axeViolations, launchChromium, shot } from "./browser.ts";

/**
 * Issue 17 §4 in Chromium against the real API: a finance user follows the Overview's unpriced warning to the
 * add-price form (model prefilled), saves a price, previews the repricing of the model's recorded history (the
 * change computed here from the token counts in the database and the price typed, not by Tally), applies it,
 * watches the job finish, and sees Overview and Spend move by exactly that change and Run detail show each
 * line's history. Then edits and deletes the price (History shows who and before → after). A viewer sees no
 * buttons and gets 403 from the API.
 */

/** The seed's model missing from the catalog (e2e/seed.ts), and the prices typed, in whole $ per Mtok. */
const MODEL = "acme-internal-llm";
const PRICE = { input: 3, output: 12, cacheRead: 1 };
/**
 * The override's date: the form opened from the Overview's warning starts it on the model's first day with
 * unpriced usage (UTC, the browser's zone here), so it covers every recorded line. Read from the database.
 */
let FROM = 0;
const DAY = 86_400_000;

let server: RunningServer;
let browser: Browser;
let finance: BrowserContext;
let viewer: BrowserContext;
let financeEmail: string;
let db: Db;
let range: string;
const money = (micros: number) => formatMicros(micros, "en-US");
const problems: string[] = [];

interface Line { id: string; run_id: string; kind: string; occurred_at: number; input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number; cost_micros: number | null }

/**
 * The line's cost at the typed prices, by genai-prices' documented rule (input tokens include cache reads, each
 * token kind at its own price per million): with whole dollars per Mtok, every token costs a whole number of
 * micro-USD, so the expected cost is exact with no rounding.
 */
const expectedCost = (l: Line) => (l.input_tokens - l.cache_read_tokens) * PRICE.input + l.cache_read_tokens * PRICE.cacheRead + l.output_tokens * PRICE.output;

async function modelLines(): Promise<Line[]> {
  return db
    .selectFrom("usage_costs")
    .select(["id", "run_id", "kind", "occurred_at", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_micros"])
    .where("model", "=", MODEL)
    .orderBy("id")
    .execute();
}

async function open(context: BrowserContext, path: string, refused: RegExp[] = []): Promise<Page> {
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`${path}: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400 && !refused.some((x) => x.test(r.url()))) problems.push(`${path}: HTTP ${r.status()} ${r.url()}`);
  });
  await page.goto(server.url + path);
  return page;
}

/**
 * axe-core's violations inside `selector` (the part of the page this test owns), as "rule: target" lines;
 * evaluated over DevTools, as the CSP refuses an injected <script>.
 */
/** A tRPC call with the page's own session (cookie), as the dashboard makes it; the HTTP status and body. */
async function call(page: Page, path: string, input: unknown, method: "GET" | "POST"): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    async ({ path, input, method }) => {
      const res = method === "GET"
        ? await fetch(`/api/trpc/${path}${input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`}`)
        : await fetch(`/api/trpc/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(input) });
      return { status: res.status, body: await res.json() };
    },
    { path, input, method },
  );
}

beforeAll(async () => {
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ runs: 140, days: 10 });
  db = await connect({ url: server.dbUrl });
  // One window that holds every seeded line, given to every page as a custom range.
  range = `range=custom&from=${server.seeded.now - 11 * 86_400_000}&to=${server.seeded.now + 86_400_000}&tz=UTC`;
  browser = await launchChromium();
  const ctx = async (account: Account) =>
    browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC", locale: "en-US", storageState: await server.signedIn(browser, account) });
  const financeAccount = await server.createAccount("finance");
  financeEmail = financeAccount.email;
  finance = await ctx(financeAccount);
  viewer = await ctx(await server.createAccount("viewer"));
});

afterAll(async () => {
  await browser?.close();
  await db?.destroy();
  await server?.close();
});

interface Summary { current: { spendMicros: { total: number | null }; unpricedCalls: number } }

describe("price overrides and repricing in Chromium", () => {
  it("from the Overview's unpriced warning: price the model, preview the exact change, apply, and every page moves by it", async () => {
    const lines = await modelLines();
    expect(lines.length).toBeGreaterThan(10);
    const first = await db.selectFrom("usage_costs").select((eb) => eb.fn.min("occurred_at").as("at")).where("model", "=", MODEL).where("cost_micros", "is", null).executeTakeFirstOrThrow();
    FROM = Math.floor(Number(first.at) / DAY) * DAY;
    expect(lines.every((l) => l.cost_micros === null && l.kind === "agent" && l.cache_write_tokens === 0)).toBe(true);
    const expectedDelta = lines.reduce((s, l) => s + expectedCost(l), 0);
    const window = Object.fromEntries(new URLSearchParams(range));
    const summaryInput = { from: Number(window.from), to: Number(window.to), timeZone: "UTC" };
    const before = await server.query<Summary>("overview.summary", summaryInput);
    expect(before.current.unpricedCalls).toBe(lines.length);

    // Overview: the warning names the model and links straight to pricing it.
    const overview = await open(finance, `/?${range}`);
    const warning = overview.getByRole("status", { name: "Unpriced usage" });
    await warning.locator(`li[data-model='${MODEL}']`).waitFor();
    expect(await warning.locator(`li[data-model='${MODEL}']`).textContent()).toBe(`Price ${MODEL} (${lines.length} calls)`);
    expect(await overview.getAttribute("[data-kpi='spend']", "data-value")).toBe(String(before.current.spendMicros.total));
    await shot(overview, "overview-unpriced");
    expect(await axeViolations(overview, "[aria-label='Unpriced usage']")).toEqual([]);
    await warning.getByRole("link", { name: `Price ${MODEL}` }).click();
    await overview.waitForURL((u) => u.pathname === "/settings" && u.searchParams.get("priceModel") === MODEL);
    const add = overview.getByRole("form", { name: "Add price" });
    expect(await add.locator("input[name='model']").inputValue()).toBe(MODEL);

    await add.locator("input[name='input']").fill(String(PRICE.input));
    await add.locator("input[name='output']").fill(String(PRICE.output));
    await add.locator("input[name='cacheRead']").fill(String(PRICE.cacheRead));
    // The date starts on the model's first unpriced day (not today, which would leave the history unpriced).
    const firstDay = new Date(FROM).toISOString().slice(0, 10);
    await expect.poll(() => add.locator("input[name='effectiveFrom']").inputValue()).toBe(firstDay);
    expect(await add.locator("#price-from-hint").textContent()).toBe(`${MODEL} has unpriced usage from ${firstDay}: a price from then on lets Reprice history price all of it.`);
    await add.getByRole("button", { name: "Save price" }).click();
    const offer = overview.locator(".reprice-offer");
    await offer.getByText("Saved.").waitFor();
    await overview.locator(`tr[data-price-model='${MODEL}']`).waitFor();

    // Preview: every line of the model from the override's date, before (unpriced) → after (our figure).
    await offer.getByRole("button", { name: "Reprice history" }).click();
    const dialog = overview.getByRole("dialog", { name: "Reprice history" });
    const totals = dialog.locator(".reprice-totals");
    await totals.waitFor();
    expect(await totals.getAttribute("data-before")).toBe("");
    expect(await totals.getAttribute("data-after")).toBe(String(expectedDelta));
    expect(await totals.getAttribute("data-delta")).toBe(String(expectedDelta));
    expect(await dialog.textContent()).toContain(`${lines.length} (${lines.length} changing)`);
    expect(await dialog.textContent()).toContain(`unpriced (${lines.length} lines)`);
    const modelRow = dialog.locator(`table[aria-label='Repricing by model'] tr[data-model='${MODEL}']`);
    expect(await modelRow.locator("td").nth(3).textContent()).toBe(money(expectedDelta));
    // Per customer: each customer's share of the change, from the same lines.
    const runs = await db.selectFrom("runs").select(["run_id", "customer_id"]).where("run_id", "in", lines.map((l) => l.run_id)).execute();
    const customerOf = new Map(runs.map((r) => [r.run_id, r.customer_id]));
    const byCustomer = new Map<string, number>();
    for (const l of lines) byCustomer.set(customerOf.get(l.run_id)!, (byCustomer.get(customerOf.get(l.run_id)!) ?? 0) + expectedCost(l));
    const shownCustomers = await dialog.locator("table[aria-label='Repricing by customer'] tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-customer"), tr.children[3]?.textContent]));
    expect(new Map(shownCustomers as [string, string][])).toEqual(new Map([...byCustomer].map(([c, v]) => [c, money(v)])));
    // Per month of the page's zone (UTC), newest first; a month before this one says its statements change.
    const byMonth = new Map<string, number>();
    for (const l of lines) byMonth.set(new Date(Number(l.occurred_at)).toISOString().slice(0, 7), (byMonth.get(new Date(Number(l.occurred_at)).toISOString().slice(0, 7)) ?? 0) + expectedCost(l));
    const thisMonth = new Date().toISOString().slice(0, 7);
    const monthTable = dialog.locator("table[aria-label='Repricing by month']");
    expect(await monthTable.locator("thead th").first().textContent()).toBe("Month (UTC)");
    const shownMonths = await monthTable.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-month"), tr.children[0]?.textContent, tr.children[4]?.textContent]));
    expect(shownMonths).toEqual(
      [...byMonth].sort(([a], [b]) => b.localeCompare(a)).map(([m, v]) => [m, m < thisMonth ? `${m} · past month: its statements change` : m, `+${money(v)}`]),
    );
    await shot(overview, "reprice-preview");
    expect(await axeViolations(overview, "#prices")).toEqual([]);

    // Apply: the job runs in the API process; the bar reaches done.
    await dialog.getByRole("button", { name: "Apply" }).click();
    const progress = dialog.locator(".reprice-progress[data-status='done']");
    await progress.waitFor({ timeout: 30_000 });
    expect(await progress.getByRole("status").textContent()).toBe(`Done: ${lines.length} of ${lines.length} lines`);
    // The dialog keeps the preview it applied (a fresh one would now read no change).
    expect(await totals.getAttribute("data-delta")).toBe(String(expectedDelta));
    await shot(overview, "reprice-done");
    await dialog.getByRole("button", { name: "Close" }).click();
    const job = overview.locator("table[aria-label='Repricing jobs'] tbody tr").first();
    expect(await job.getAttribute("data-status")).toBe("done");
    expect(await job.textContent()).toContain(`${MODEL} from ${new Date(FROM).toLocaleDateString("en-US", { timeZone: "UTC", year: "numeric", month: "short", day: "numeric" })}`);
    expect(await job.textContent()).toContain(`→ ${money(expectedDelta)}`);
    await shot(overview, "reprice-jobs");

    // The lines, the API's totals and the pages moved by exactly the change.
    const after = await modelLines();
    expect(after.map((l) => l.cost_micros)).toEqual(lines.map(expectedCost));
    const summary = await server.query<Summary>("overview.summary", summaryInput);
    expect(summary.current.spendMicros.total! - before.current.spendMicros.total!).toBe(expectedDelta);
    expect(summary.current.unpricedCalls).toBe(0);
    await overview.goto(`${server.url}/?${range}`);
    await overview.waitForSelector(`[data-kpi='spend'][data-value='${summary.current.spendMicros.total}']`);
    expect(await overview.getByRole("status", { name: "Unpriced usage" }).count()).toBe(0);
    await overview.goto(`${server.url}/spend?${range}`);
    await overview.waitForSelector(`table[aria-label='Spend by model'] tfoot tr[data-total-spend='${summary.current.spendMicros.total}']`);

    // Run detail: the line shows its history, before → after, and which job.
    const line = lines[0]!;
    await overview.goto(`${server.url}/runs/${encodeURIComponent(line.run_id)}?tz=UTC`);
    const history = overview.locator(`[data-history-for='${line.id}'] li`);
    await history.first().waitFor();
    expect(await history.count()).toBe(1);
    expect(await history.getAttribute("data-before")).toBe("");
    expect(await history.getAttribute("data-after")).toBe(String(expectedCost(line)));
    expect(await history.textContent()).toContain(`unpriced (unpriced) → ${money(expectedCost(line))}`);
    await shot(overview, "run-detail-price-history");
    expect(await axeViolations(overview, "table[aria-label='Cost lines']")).toEqual([]);
    await overview.close();
  });

  it("edits and deletes the override; History shows who changed what, before → after", async () => {
    const page = await open(finance, "/settings?tz=UTC");
    const row = page.locator(`tr[data-price-model='${MODEL}']`);
    await row.getByRole("button", { name: `Edit ${MODEL}` }).click();
    const edit = page.getByRole("form", { name: "Edit price" });
    expect(await edit.locator("input[name='output']").inputValue()).toBe(String(PRICE.output));
    await edit.locator("input[name='output']").fill("15");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await page.locator(".reprice-offer").getByText("Saved.").waitFor();
    await row.locator("td").nth(3).getByText("$15.00").waitFor();

    await row.getByRole("button", { name: "History" }).click();
    const history = page.getByRole("region", { name: `Price history of ${MODEL}` });
    await history.locator("li[data-action='prices.update']").waitFor();
    expect(await history.locator("li[data-action='prices.update'] li[data-field='outputMicrosPerMtok']").textContent()).toBe("outputMicrosPerMtok: $12.00 → $15.00");
    expect(await history.locator("li[data-action='prices.update']").textContent()).toContain(`${financeEmail} changed`);
    expect(await history.locator("li[data-action='prices.upsert']").count()).toBe(1);

    await row.getByRole("button", { name: `Delete ${MODEL}` }).click();
    await page.getByRole("dialog", { name: `Delete the price of ${MODEL}?` }).getByRole("button", { name: "Delete price" }).click();
    await page.locator(".reprice-offer").getByText("Deleted.").waitFor();
    await row.waitFor({ state: "detached" });
    await history.locator("li[data-action='prices.remove']").waitFor();
    expect(await axeViolations(page, "#prices")).toEqual([]);
    await shot(page, "price-history");
    await page.close();
    expect(problems).toEqual([]);
  });

  it("a viewer sees prices and jobs but no buttons, and the API refuses a viewer's changes with 403", async () => {
    const page = await open(viewer, `/?${range}`, [/\/api\/trpc\/(prices\.(update|remove|upsert)|reprice\.(start|preview))/]);
    const overviewWarning = page.getByRole("status", { name: "Unpriced usage" });
    // The price was deleted, but the lines keep their repriced cost until repriced again: nothing is unpriced.
    await page.locator("[data-kpi='spend']").waitFor();
    expect(await overviewWarning.count()).toBe(0);
    await page.goto(`${server.url}/settings?tz=UTC&priceModel=${MODEL}`);
    await page.locator("table[aria-label='Repricing jobs'] tbody tr").first().waitFor();
    expect(await page.getByRole("form", { name: "Add price" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /^(Edit|Delete) / }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Reprice history" }).count()).toBe(0);
    const key = { model: MODEL, provider: "", effectiveFrom: FROM };
    const values = { inputMicrosPerMtok: 1, outputMicrosPerMtok: 1, cacheReadMicrosPerMtok: null, cacheWriteMicrosPerMtok: null };
    expect((await call(page, "prices.upsert", { ...key, ...values }, "POST")).status).toBe(403);
    expect((await call(page, "prices.update", { ...key, values }, "POST")).status).toBe(403);
    expect((await call(page, "prices.remove", key, "POST")).status).toBe(403);
    expect((await call(page, "reprice.start", { model: MODEL }, "POST")).status).toBe(403);
    expect((await call(page, "reprice.preview", { model: MODEL }, "GET")).status).toBe(403);
    // Reads are open to a viewer.
    expect((await call(page, "reprice.jobs", undefined, "GET")).status).toBe(200);
    expect((await call(page, "prices.history", { model: MODEL }, "GET")).status).toBe(200);
    await page.close();
    expect(problems).toEqual([]);
  });
});
