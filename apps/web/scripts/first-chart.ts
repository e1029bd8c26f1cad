// Time from navigation to the first chart drawn on Overview, in Chromium, against the real API and the
// built app, on an existing database (copied first, never written) or on a freshly seeded one:
//   npx tsx apps/web/scripts/first-chart.ts --db /tmp/tally-bench.db [--loads 5] [--detail]
//   npx tsx apps/web/scripts/first-chart.ts --seed 20000 [--days 90]
// Windows measured: the last 30 days of data, and the whole span of the data.
import { connect } from "@tally/shared/db";
import { sql } from "kysely";
import { chromium } from "playwright-core";
import { ensureBuilt, startServer } from "../e2e/server.ts";

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const dbPath = arg("--db");
const seedRuns = Number(arg("--seed") ?? 0);
if (!dbPath && !seedRuns) throw new Error("give --db <sqlite file> or --seed <runs>");
const loads = Number(arg("--loads") ?? 5);
const detail = process.argv.includes("--detail");

/** Where the time went on one load: when each script and API answer finished, then the first chart.
 * A string, not a function: tsx's helpers do not exist in the page. */
const timeline = `(() => {
  const ms = (v) => String(Math.round(v)).padStart(5) + " ms";
  const nav = performance.getEntriesByType("navigation")[0];
  const lines = [ms(nav.responseEnd) + "  document", ms(nav.domContentLoadedEventEnd) + "  DOMContentLoaded"];
  for (const r of performance.getEntriesByType("resource")) {
    const name = new URL(r.name).pathname.replace("/api/trpc/", "trpc ").slice(0, 90);
    lines.push(ms(r.responseEnd) + "  " + name + " (" + Math.round(r.encodedBodySize / 1024) + " KB, started " + Math.round(r.startTime) + ")");
  }
  lines.push(ms(window.__firstChart) + "  first chart");
  return lines.sort().join("\\n");
})()`;

const probe = `(() => { const sel = ".recharts-bar-rectangle path, .recharts-line-curve"; const mo = new MutationObserver(() => {
  if (window.__firstChart === undefined && document.querySelector(sel)) { window.__firstChart = performance.now(); mo.disconnect(); } });
  mo.observe(document, { childList: true, subtree: true }); })();`;

ensureBuilt();
const t0 = Date.now();
const server = await startServer(dbPath ? { copyOf: dbPath } : { runs: seedRuns, days: Number(arg("--days") ?? 90) });
if (!dbPath) console.log(`seeded ${seedRuns} runs through recordUsage/recordEvaluation in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
const raw = await connect({ url: server.dbUrl });
const span = (await sql<{ n: number; a: number; b: number }>`select count(*) as n, min(occurred_at) as a, max(occurred_at) as b from runs`.execute(raw)).rows[0]!;
await raw.destroy();
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});
// Signed in once through the real /sign-in page, as the admin the server makes at start (TALLY_INIT_ADMIN_*).
const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: "UTC", storageState: await server.signedIn(browser) });
await context.addInitScript(probe);

const to = Math.ceil((span.b + 1) / 60_000) * 60_000;
const windows = { "last 30 days": [to - 30 * 86_400_000, to], "whole span": [Math.floor(span.a / 60_000) * 60_000, to] } as const;
for (const [label, [from, end]] of Object.entries(windows)) {
  const times: number[] = [];
  for (let i = 0; i < loads; i++) {
    const page = await context.newPage();
    await page.goto(`${server.url}/?range=custom&from=${from}&to=${end}&tz=UTC`);
    await page.waitForFunction(() => (window as unknown as { __firstChart?: number }).__firstChart !== undefined, undefined, { timeout: 60_000 });
    times.push(await page.evaluate(() => (window as unknown as { __firstChart: number }).__firstChart));
    if (detail && i === loads - 1) console.log(await page.evaluate(timeline));
    await page.close();
  }
  times.sort((a, b) => a - b);
  console.log(`${span.n} runs, ${label}: median ${times[Math.floor(times.length / 2)]?.toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(", ")})`);
}
await browser.close();
await server.close();
