import type { BrowserContext } from "playwright-core";

/** Signs in through the real /sign-in page (email, password, the Sign in button); the context keeps the session cookie. */
export async function signInThroughPage(context: BrowserContext, baseUrl: string, account: { email: string; password: string }): Promise<void> {
  const page = await context.newPage();
  try {
    await page.goto(`${baseUrl}/sign-in`);
    await page.getByLabel("Email").fill(account.email);
    await page.getByLabel("Password").fill(account.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => !u.pathname.startsWith("/sign-in"));
  } finally {
    await page.close();
  }
}
