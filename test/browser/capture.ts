// Catching a URL the browser is about to load, before it leaves the browser (a stolen-URL test's
// "the link the owner's browser was sent to"), for flows with steps in between (a consent screen).
import type { Page } from 'playwright-core';

/** A request as the browser was about to send it. */
export interface CaughtRequest {
  url: string;
  method: string;
  /** A form POST's `application/x-www-form-urlencoded` body. */
  postData?: string;
}

/**
 * Runs `steps`, and fails the first request matching `pattern` (a DevTools `urlPattern`, e.g.
 * `http://host/path*`) before it is sent, returning it: this browser never uses it. The
 * DevTools protocol's Fetch domain also sees the hops of a redirect, which `page.route` does not.
 */
export async function captureRequest(page: Page, pattern: string, steps: () => Promise<void>): Promise<CaughtRequest> {
  const cdp = await page.context().newCDPSession(page);
  const caught = new Promise<CaughtRequest>((resolve) => {
    cdp.on('Fetch.requestPaused', ({ requestId, request }) => {
      resolve({ url: request.url, method: request.method, ...(request.postData !== undefined && { postData: request.postData }) });
      void cdp.send('Fetch.failRequest', { requestId, errorReason: 'Aborted' });
    });
  });
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: pattern, requestStage: 'Request' }] });
  await steps();
  const request = await caught;
  await cdp.detach();
  return request;
}

/**
 * Sends `request` again in `page`'s browser, as that browser would: a GET by navigating `page`, a
 * form POST by submitting the same fields from a new tab of no origin of the demo's (a cross-site
 * form post). Returns the tab that shows the answer.
 */
export async function replay(page: Page, request: CaughtRequest): Promise<Page> {
  if (request.method === 'GET') {
    await page.goto(request.url);
    return page;
  }
  const tab = await page.context().newPage();
  const fields = [...new URLSearchParams(request.postData ?? '')].map(([name, value]) => `<input type="hidden" name="${escape(name)}" value="${escape(value)}">`);
  await tab.setContent(`<form method="post" action="${escape(request.url)}">${fields.join('')}<button data-testid="replay">send</button></form>`);
  await tab.getByTestId('replay').click();
  return tab;
}

const escape = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
