import { createServer, type Server } from "node:http";
import { type Provider, waitForUpdate } from "@pydantic/genai-prices";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, type RunningServer, startServer } from "./server.ts";
import { launchChromium } from "./browser.ts";

/**
 * Issue 17 §4 (catalog refresh) in Chromium: with GENAI_PRICES_URL pointing at a loopback copy of genai-prices'
 * data with gpt-4o-mini's input price doubled, Settings shows where the catalog came from and offers
 * "Reprice history" for gpt-4o-mini, whose seeded usage was priced with the bundled data; the offer opens the
 * repricing preview for that model.
 */

let data: Server;
let dataUrl: string;
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  ensureBuilt();
  const modified = structuredClone((await waitForUpdate())!) as Provider[];
  const mini = modified.find((p) => p.id === "openai")!.models.find((m) => m.id === "gpt-4o-mini")!;
  (mini.prices as Record<string, number>).input_mtok! *= 2;
  const body = JSON.stringify(modified);
  data = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(body));
  await new Promise<void>((ok) => data.listen(0, "127.0.0.1", ok));
  dataUrl = `http://127.0.0.1:${(data.address() as { port: number }).port}/data.json`;
  server = await startServer({ runs: 40, days: 3, env: { GENAI_PRICES_URL: dataUrl } });
  // The download runs in the background at start-up.
  for (let i = 0; i < 200; i++) {
    if ((await server.query<{ source: string }>("prices.catalog", undefined)).source === "download") break;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await new Promise<void>((ok) => (data ? data.close(() => ok()) : ok()));
});

describe("Settings: the refreshed catalog and its repricing offer", () => {
  it("shows the catalog's source and offers repricing the changed model's history", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC", locale: "en-US", storageState: await server.signedIn(browser) });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}/settings`);
    const status = page.locator(".catalog-status");
    await expect.poll(() => status.getAttribute("data-catalog-source"), { timeout: 15_000 }).toBe("download");
    expect(await status.innerText()).toContain(`downloaded from ${dataUrl}`);
    const offer = page.getByRole("button", { name: "Reprice history of gpt-4o-mini" });
    await offer.click();
    const dialog = page.getByRole("dialog", { name: "Reprice history" });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.innerText()).toContain("gpt-4o-mini, all time");
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
