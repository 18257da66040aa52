// The steps a person takes through the 3a-W demo in a real browser, by `data-testid` only.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { expect } from 'vitest';
import type { Stack } from '../../scripts/stack.ts';

export const TOM = '999990020'; // Tom van Duinen, owner of task-3a and task-3a-secret
export const KOOS = '999990032'; // Koos de Groot

export const SCREENSHOTS = join(import.meta.dirname, '../../test-output/screenshots');

const shownUrls = new WeakMap<Page, string[]>();

/** A page in a fresh browser context (its own cookies and storage), recording what it shows. */
export async function openPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const urls: string[] = [];
  shownUrls.set(page, urls);
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) urls.push(frame.url());
  });
  return page;
}

/** Every URL `page` showed, in order; redirect hops are not shown, so they are not here. */
export const shown = (page: Page): string[] => [...(shownUrls.get(page) ?? [])];

export const originOf = (url: string): string => new URL(url).origin;

/** Whether any of `urls` is the module's app page, the one with the patient's data. */
export const includesModuleApp = (urls: string[]): boolean => urls.some((url) => /^\/m\/[^/]+\/app$/.test(new URL(url).pathname));

/**
 * The screenshots the README and docs show (docs/images/): every browser run writes them again,
 * so the pictures stay what the demo shows.
 */
const DOC_IMAGES = join(import.meta.dirname, '../../docs/images');
const DOC_SHOTS = new Set(['3a-07-dossier-with-tasks', '3a-09-module-form', '3a-stolen-2-thief-refused', 'attack-1-pause', 'trace-3a']);

/** Saves `page` as `test-output/screenshots/<prefix><name>.png` (and in docs/images/ when the docs show it). */
export const screenshotAs = (prefix: string) => async (page: Page, name: string) => {
  const shot = await page.screenshot({ path: join(SCREENSHOTS, `${prefix}${name}.png`), fullPage: true });
  if (DOC_SHOTS.has(`${prefix}${name}`)) writeFileSync(join(DOC_IMAGES, `${prefix}${name}.png`), shot);
};

export const screenshot = screenshotAs('3a-');

export const textOf = async (page: Page, testid: string) => (await page.getByTestId(testid).textContent())?.trim();

/** DigiD's login page (for the PGO or for the DVA): choose `bsn`, log in. */
export async function digidLogin(stack: Stack, page: Page, bsn: string, shot?: string): Promise<void> {
  await page.getByTestId(`digid-person-${bsn}`).check();
  expect(originOf(page.url())).toBe(stack.urls.digid);
  if (shot !== undefined) await screenshot(page, shot);
  await page.getByTestId('digid-login').click();
}

/** PGO start page → DigiD, logging in as `bsn`; `shots` takes a screenshot of either page. */
export async function loginAtPgo(stack: Stack, page: Page, bsn: string, shots: { start?: () => Promise<unknown>; digid?: string } = {}): Promise<void> {
  await page.goto(stack.urls.pgo);
  await page.getByTestId('pgo-login').waitFor();
  await shots.start?.();
  await page.getByTestId('pgo-login').click();
  await digidLogin(stack, page, bsn, shots.digid);
}

/**
 * The DVA's consent page: waits for it, checks it is the DVA's (and, given `module`, the module it
 * names), lets `shot` take a screenshot, approves.
 */
export async function approveAtDva(stack: Stack, page: Page, { module, shot }: { module?: string; shot?: () => Promise<unknown> } = {}): Promise<void> {
  await page.getByTestId('consent-approve').waitFor();
  expect(originOf(page.url())).toBe(stack.urls.dvaAuth);
  if (module !== undefined) expect(await textOf(page, 'consent-module')).toBe(module);
  await shot?.();
  await page.getByTestId('consent-approve').click();
}

/** The module's blood-pressure form: fills it in, lets `shot` take a screenshot, submits. */
export async function submitBloodPressure(page: Page, systolic: string, diastolic: string, shot?: () => Promise<unknown>): Promise<void> {
  await page.getByTestId('module-systolic').fill(systolic);
  await page.getByTestId('module-diastolic').fill(diastolic);
  await shot?.();
  await page.getByTestId('module-submit').click();
}

/** Back at the PGO's dossier: waits for `taskId`'s status and expects it completed (docs/protocol.md §4.5). */
export async function expectTaskCompleted(page: Page, taskId: string): Promise<void> {
  await page.getByTestId(`task-status-${taskId}`).waitFor();
  expect(await textOf(page, `task-status-${taskId}`)).toBe('completed');
}

/**
 * PGO start page → DigiD → PGO home → Tom's dossier → collect (docs/protocol.md §2.3: DigiD for the DVA, the
 * DVA's consent) → back at the dossier with the Tasks. `shots` names a screenshot per step.
 */
export async function collectTasks(stack: Stack, page: Page, shots = false): Promise<void> {
  const shot = async (name: string) => {
    if (shots) await screenshot(page, name);
  };
  await loginAtPgo(stack, page, TOM, shots ? { start: () => shot('01-pgo-start'), digid: '02-digid-for-pgo' } : {});
  await page.getByTestId(`dossier-${TOM}`).waitFor();
  expect(originOf(page.url())).toBe(stack.urls.pgo);
  await shot('03-pgo-home');
  await page.getByTestId(`dossier-${TOM}`).click();
  await page.getByTestId('collect').waitFor();
  await shot('04-dossier');
  await page.getByTestId('collect').click();
  await digidLogin(stack, page, TOM, shots ? '05-digid-for-dva' : undefined);
  await approveAtDva(stack, page, { shot: () => shot('06-dva-consent-collect') });
  await page.getByTestId('task-task-3a').waitFor();
  expect(originOf(page.url())).toBe(stack.urls.pgo);
}

/**
 * Clicks "Start module" for `taskId` and stops the browser at W9, the moment it is about to load
 * the module launch URL (with `iss` and `launch`): the request is failed before it leaves the
 * browser and its URL returned, so this context never uses it. `page.route` does not see the hops
 * of a redirect; the DevTools protocol's Fetch domain does.
 */
export async function captureLaunchUrl(stack: Stack, page: Page, taskId: string): Promise<string> {
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Fetch.requestPaused', ({ requestId }) => void cdp.send('Fetch.failRequest', { requestId, errorReason: 'Aborted' }));
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: `${stack.urls.module}/m/*/launch?*`, requestStage: 'Request' }] });
  const isLaunch = (request: Request) => /^\/m\/[^/]+\/launch$/.test(new URL(request.url()).pathname);
  const failed = page.waitForEvent('requestfailed', { predicate: isLaunch });
  await page.getByTestId(`start-module-${taskId}`).click();
  const url = (await failed).url();
  await cdp.detach();
  return url;
}

/** Just after "Start module": the DVA's module consent when it asks (first time only), approved. */
export async function approveIfAsked(stack: Stack, page: Page): Promise<void> {
  await page.getByTestId('consent-approve').or(page.getByTestId('module-patient-name')).waitFor();
  if (originOf(page.url()) === stack.urls.dvaAuth) await page.getByTestId('consent-approve').click();
}

/** The DVA's module consent when it asks (first time only), then the module's form, submitted. */
export async function completeModule(stack: Stack, page: Page): Promise<void> {
  await approveIfAsked(stack, page);
  await page.getByTestId('module-patient-name').waitFor();
  // module-3a asks for a blood pressure, module-3a-secret for a questionnaire
  if ((await page.getByTestId('module-score').count()) > 0) {
    await page.getByTestId('module-score').selectOption('4');
    await page.getByTestId('module-submit').click();
  } else {
    await submitBloodPressure(page, '128', '84');
  }
}
