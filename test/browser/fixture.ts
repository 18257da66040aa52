// The setup every browser suite shares: the five services and Debian's Chromium, started once per
// suite, a browser profile per page, and on a failed test the last screen and the way there.
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startStack, type Stack, type StackOptions } from '../../scripts/stack.ts';
import { launchChromium } from '../support/chromium.ts';
import { SCREENSHOTS, openPage, screenshotAs, shown } from './steps.ts';

export interface BrowserSuiteOptions {
  /** File name of a failed test's screenshots, `<failed>-<i>.png` per page it opened. */
  failed: string;
  /** startStack options beyond the free ports and the log level, read when the suite starts. */
  stack?: () => Omit<StackOptions, 'ports' | 'logLevel'>;
}

export interface BrowserSuite {
  /** The running services. */
  readonly stack: Stack;
  /**
   * A page in a browser profile of its own: its own cookies, nothing shared with the others. Closed
   * after the test, or with `'suite'` (from a `beforeAll`) kept for every test of the suite.
   */
  readonly newBrowser: (scope?: 'test' | 'suite') => Promise<Page>;
}

/**
 * Registers the suite's hooks (call it inside `describe`): the stack and Chromium start before the
 * first test and stop after the last; every page a test opened with `newBrowser` is closed after it.
 */
export function browserSuite(executablePath: string | undefined, options: BrowserSuiteOptions): BrowserSuite {
  let stack: Stack | undefined;
  let chromium: Browser | undefined;
  let pages: Page[] = [];
  const suitePages: Page[] = [];
  const shot = screenshotAs('');

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    [stack, chromium] = await Promise.all([
      // LOG_LEVEL=info shows the services' request and audit logs when a test needs debugging
      startStack({ ...options.stack?.(), ports: { pgo: 0, dvaAuth: 0, dvaFhir: 0, module: 0, digid: 0 }, logLevel: process.env.LOG_LEVEL ?? 'warn' }),
      launchChromium(executablePath!),
    ]);
  });

  afterEach(async ({ task }) => {
    // a failed test leaves the last screen of every browser it opened, and the way there
    if (task.result?.state === 'fail') {
      for (const [i, page] of [...suitePages, ...pages].entries()) {
        await shot(page, `${options.failed}-${i}`);
        console.error(`browser ${i} showed:\n  ${shown(page).join('\n  ')}`);
      }
    }
    await Promise.all(pages.map((page) => page.context().close()));
    pages = [];
  });

  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  return {
    get stack() {
      return stack!;
    },
    async newBrowser(scope = 'test') {
      const page = await openPage(chromium!);
      (scope === 'suite' ? suitePages : pages).push(page);
      return page;
    },
  };
}
