import { expect } from 'vitest';
import { hasTestId, type Browser, type Page } from './browser.ts';
import type { Stack } from '../../scripts/stack.ts';

export const TOM = '999990020';

/** Logs in at the PGO through DigiD as `bsn` and opens that person's own dossier. */
export async function loginAtPgo(stack: Stack, browser: Browser, bsn = TOM): Promise<Page> {
  const start = await browser.navigate(stack.urls.pgo);
  const digid = await browser.submit(start, 'pgo-login');
  expect(digid.url.startsWith(stack.urls.digid)).toBe(true);
  const home = await browser.submit(digid, 'digid-login', { bsn });
  expect(hasTestId(home, `dossier-${bsn}`)).toBe(true);
  return browser.navigate(`${stack.urls.pgo}/dossier/${bsn}`);
}

/** Collect (docs/protocol.md §2.3): PGO → DVA /authorize → DigiD → DVA consent → PGO callback → Tasks. */
export async function collect(stack: Stack, browser: Browser, dossier: Page, bsn = TOM): Promise<Page> {
  const digid = await browser.submit(dossier, 'collect');
  expect(new URL(digid.url).origin).toBe(stack.urls.digid);
  const consent = await browser.submit(digid, 'digid-login', { bsn });
  expect(new URL(consent.url).origin).toBe(stack.urls.dvaAuth);
  const back = await browser.submit(consent, 'consent-approve');
  expect(new URL(back.url).origin).toBe(stack.urls.pgo);
  return back;
}
