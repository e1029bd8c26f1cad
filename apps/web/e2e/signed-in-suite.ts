import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchChromium } from "./browser.ts";
import { ensureBuilt, type RunningServer, startServer } from "./server.ts";

export interface SignedInSuite {
  server: RunningServer;
  /** Opens `path` in the admin's context once its `<main>` is there. */
  open(path: string): Promise<Page>;
}

/**
 * A test file's server (the demo seed of `runs` runs) and Chromium with a signed-in admin's context (1280×900,
 * UTC, en-US), started before its tests and stopped after them. Call at the file's top level.
 */
export function signedInSuite(opts: { runs: number }): SignedInSuite {
  let browser: Browser | undefined;
  let context: BrowserContext;
  const suite: SignedInSuite = {
    server: undefined as unknown as RunningServer,
    async open(path) {
      const page = await context.newPage();
      await page.goto(suite.server.url + path);
      await page.locator("main").waitFor();
      return page;
    },
  };
  beforeAll(async () => {
    ensureBuilt();
    suite.server = await startServer({ runs: opts.runs });
    browser = await launchChromium();
    const storageState = await suite.server.signedIn(browser);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: "UTC", locale: "en-US", storageState });
  });
  afterAll(async () => {
    await browser?.close();
    await suite.server?.close();
  });
  return suite;
}
