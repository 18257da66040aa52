import { generateDpopKey, randomToken, sha256b64url, type DpopKey } from '@koppelmij/core';
import { Browser, hasTestId, type Page } from './browser.ts';
import type { Target } from './target.ts';

/*
 * The person journey: the kit drives a PGO's pages and a scriptable test DigiD (the reference
 * PGO and mock DigiD; their `data-testid`s) as a person would, to get what only a logged-in
 * person can make: a module launch URL, a launch cookie, a code. Rows that need it are marked
 * `journey` and skipped without `--pgo`, `--digid` and `--person`.
 */

/** The standalone scope of the kit's client (SMART App Launch standalone; its registration). */
export const STANDALONE_SCOPE = 'launch/patient openid fhirUser patient/Patient.read patient/Observation.read';

/** Logs `bsn` in at the PGO through DigiD and collects (docs/protocol.md §2.3); the browser then holds the PGO session and the DVA's collect. */
export async function loginAndCollect(target: Target, browser: Browser, bsn: string): Promise<void> {
  const j = target.journey!;
  const digid = await browser.submit(await browser.navigate(j.pgo), 'pgo-login');
  await browser.submit(digid, 'digid-login', { bsn });
  const atDigid = await browser.submit(await browser.navigate(`${j.pgo}/dossier/${bsn}`), 'collect');
  const consent = await browser.submit(atDigid, 'digid-login', { bsn });
  await browser.submit(consent, 'consent-approve');
}

/** The module launch URL (`…?iss=…&launch=…`) the PGO sends the browser to for the journey's Task, unopened. */
export async function launchUrl(target: Target, browser: Browser): Promise<string> {
  const j = target.journey!;
  const dossier = await browser.navigate(`${j.pgo}/dossier/${j.person}`);
  const page = await browser.submit(dossier, `start-module-${j.task}`, {}, { stopAt: (url) => url.searchParams.has('launch') && url.searchParams.has('iss') });
  const url = new URL(page.url);
  if (!url.searchParams.has('launch')) throw new Error(`no launch URL from the PGO (ended at ${page.url})`);
  return page.url;
}

/** A client's redirect_uri with an authorization response (never the DVA's own DigiD callback). */
export const atClientCallback = (target: Target, u: URL): boolean =>
  u.origin !== new URL(target.dva).origin && u.pathname.endsWith('/callback') && (u.searchParams.has('code') || u.searchParams.has('error'));

export interface Arrival {
  page: Page;
  code?: string;
  error?: string;
  /** The DVA sent the browser to DigiD instead of answering. */
  atDigid: boolean;
}

/** Opens a launch (or authorization) URL in `browser` and follows it to the module's callback or to DigiD, approving a consent screen on the way. */
export async function follow(target: Target, browser: Browser, url: string): Promise<Arrival> {
  const digid = new URL(target.journey!.digid).origin;
  const stopAt = (u: URL) => u.origin === digid || atClientCallback(target, u);
  let page = await browser.navigate(url, { stopAt });
  if (hasTestId(page, 'consent-approve')) page = await browser.submit(page, 'consent-approve', {}, { stopAt });
  const at = new URL(page.url);
  return { page, atDigid: at.origin === digid, ...(at.searchParams.get('code') && { code: at.searchParams.get('code')! }), ...(at.searchParams.get('error') && { error: at.searchParams.get('error')! }) };
}

/** A new browser with the journey's person logged in and collected, and a fresh launch URL prepared in it. */
export async function preparedLaunch(target: Target, browser = new Browser()): Promise<{ browser: Browser; url: string }> {
  await loginAndCollect(target, browser, target.journey!.person);
  return { browser, url: await launchUrl(target, browser) };
}

/** The standalone authorization URL of the kit's client (SMART App Launch standalone, PKCE S256). */
export function standaloneAuthorizeUrl(target: Target, overrides: Record<string, string | undefined> = {}): { url: string; verifier: string } {
  const verifier = randomToken();
  const params: Record<string, string | undefined> = {
    response_type: 'code', client_id: target.clientId, redirect_uri: target.redirectUri, scope: STANDALONE_SCOPE, state: randomToken(),
    aud: target.fhir, code_challenge: sha256b64url(verifier), code_challenge_method: 'S256', ...overrides,
  };
  const url = new URL(`${target.dva}/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return { url: url.href, verifier };
}

/** The kit's client through a standalone launch as the journey's person: DigiD, consent, code (SMART App Launch standalone). */
export async function standaloneCode(target: Target): Promise<{ code: string; verifier: string }> {
  const { url, verifier } = standaloneAuthorizeUrl(target);
  const browser = new Browser();
  const stopAt = (u: URL) => u.href.startsWith(target.redirectUri);
  const digid = await browser.navigate(url, { stopAt });
  const consent = await browser.submit(digid, 'digid-login', { bsn: target.journey!.person }, { stopAt });
  const back = hasTestId(consent, 'consent-approve') ? await browser.submit(consent, 'consent-approve', {}, { stopAt }) : consent;
  const code = new URL(back.url).searchParams.get('code');
  if (!code) throw new Error(`standalone launch ended at ${back.url}`);
  return { code, verifier };
}

/** A DPoP-bound access token of the kit's client for the journey's person, and its key (cached per target). */
const tokens = new WeakMap<Target, Promise<{ access_token: string; key: DpopKey; patient: string }>>();
export function standaloneToken(target: Target): Promise<{ access_token: string; key: DpopKey; patient: string }> {
  let found = tokens.get(target);
  if (!found) {
    found = (async () => {
      const { code, verifier } = await standaloneCode(target);
      const key = await generateDpopKey();
      const reply = await target.tokenWithDpop({ grant_type: 'authorization_code', code, redirect_uri: target.redirectUri, code_verifier: verifier }, key);
      if (reply.status !== 200) throw new Error(`token request answered ${reply.status} ${reply.text.slice(0, 200)}`);
      return { access_token: reply.json.access_token, key, patient: reply.json.patient };
    })();
    tokens.set(target, found);
  }
  return found;
}
