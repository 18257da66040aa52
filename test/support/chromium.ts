import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium; `scripts/run.sh test` installs it when it is missing. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Quiet, deterministic headless Chromium: no sandbox (containers), no background traffic. */
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The Chromium executable the browser suites drive, or undefined when there is none: the
 * suite is then skipped with a message saying why. Under `CI=true` a missing Chromium is a
 * failure, not a skip (the test command installs it there).
 */
export function chromiumOrSkip(suite: string): string | undefined {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return CHROMIUM_PATH;
  } catch {
    const message = `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or run scripts/run.sh test)`;
    if (process.env.CI === 'true') throw new Error(`${suite}: Chromium is required under CI=true: ${message}`);
    console.warn(`${suite}: skipped, ${message}`);
    return undefined;
  }
}

/**
 * Launches `executablePath` headless. Playwright gives every launch a fresh user-data directory
 * of its own (removed on `close`) and each test opens its own `browser.newContext()`, so no
 * cookie or storage outlives a test. Chromium resolves `*.localhost` to loopback by itself
 * (RFC 6761 §6.3).
 */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: ARGS });
}
