/**
 * The same sign-up -> protected page -> sign-out, once in a real browser: Debian's Chromium
 * (never a downloaded one) driven by the repository's playwright-core, clicking the built-in
 * pages' links and buttons.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.PORTCULLIS_TEST_CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

export async function browserFlow(base, { email }) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 30_000 });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${base}/dashboard`);
    assert.equal(new URL(page.url()).pathname, "/auth/sign-in", "a signed-out visit lands on the sign-in page");
    await page.getByRole("link", { name: /create one/i }).click();
    await page.waitForURL(/\/auth\/sign-up/);
    await page.getByLabel(/email/i).fill(email);
    await page.getByLabel(/^password/i).fill("correct horse battery staple");
    await page.getByRole("button", { name: /create an account/i }).click();
    await page.waitForURL(`${base}/dashboard`);
    assert.equal(await page.locator("#email").textContent(), email);
    await page.getByRole("button", { name: /sign out/i }).click();
    await page.waitForURL(/\/auth\/sign-in/);
    await page.goto(`${base}/dashboard`);
    assert.equal(new URL(page.url()).pathname, "/auth/sign-in", "after sign-out the dashboard is closed again");
    return ["in Chromium: redirected to sign-in, signed up with the form, saw the dashboard, signed out"];
  } finally {
    await browser.close();
  }
}
