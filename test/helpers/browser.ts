/**
 * A real browser for end-to-end tests: Debian's Chromium (`apt-get install chromium`, which
 * .ci/run does on a fresh machine) driven by `playwright-core`. Never a browser that playwright
 * downloads: only the Debian archive is reachable from CI and developer machines.
 *
 * Same convention as services.ts: a suite asks `chromiumAvailable()` first; missing means skip
 * with a clear message on a developer machine and a failure under CI=true (a green CI that
 * silently skipped the browser tests would be a lie).
 */
import { accessSync, constants } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = process.env.PORTCULLIS_TEST_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Headless in a container as root: no sandbox (it needs user namespaces root-in-a-container
 * rarely has), no GPU, and nothing that phones home or updates itself (the tests run offline
 * and must not wait on a network they do not have).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when Chromium is installed. When it is not: throws under CI=true, otherwise prints why
 * the suite is skipped and returns false (use with `describe.skipIf(!chromiumAvailable())`).
 */
export function chromiumAvailable(): boolean {
  if (executable(CHROMIUM_PATH)) return true;
  const message = `Chromium is not installed at ${CHROMIUM_PATH}`;
  if (process.env.CI === "true") throw new Error(`${message}: CI must run the browser tests (.ci/run installs the Debian package)`);
  console.warn(
    `\n[skip] ${message}: the browser end-to-end tests are skipped. Install it with \`apt-get install --no-install-recommends chromium\`, or set PORTCULLIS_TEST_CHROMIUM to another Chromium binary.\n`,
  );
  return false;
}

/** Launches headless Chromium; the caller closes it (`await browser.close()` in afterAll). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
    // A browser that does not come up in this time is broken, not slow.
    timeout: 30_000,
  });
}
