/**
 * The test as a protocol party of options 1 and 3b (docs/protocol.md §3.2, §3.5): the PGO's authorization
 * at the DVA for one module (option 1) and the PGO-signed launch context of `/launch-module`
 * (option 3b), against the real services of `startProtocolStack`.
 */
import { expect } from 'vitest';
import { randomToken } from '@koppelmij/core';
import { hasTestId, type Browser, type Page } from './browser.ts';
import { PGO, TOM, callbackParams, exchangeParams, pkce, post, type ProtocolStack } from './protocol.ts';

export const MODULE_1 = 'module-1';
export const MODULE_3B = 'module-3b';
export const MODULE_S = 'module-s';
export const LAUNCH_CONTEXT_TYP = 'koppelmij-launch-context+jwt';

const isAt = (prefix: string) => (url: URL) => url.href.startsWith(prefix);
/** The DVA's host, for `Browser.cookieNames`. */
export const dvaHost = (t: ProtocolStack) => new URL(t.urls.dvaAuth).hostname;

/**
 * Collect (docs/protocol.md §2.3) as the PGO, in `browser`, so the DVA's collect cookies (option 1's
 * correlation cookie, option 3b's SSO session) land there; returns the collect token response.
 */
export async function collectIn(t: ProtocolStack, browser: Browser, bsn = TOM): Promise<{ access_token: string; patient: string }> {
  const { verifier, challenge } = pkce();
  const redirect_uri = `${t.urls.pgo}/callback`;
  const authorize = new URL(`${t.urls.dvaAuth}/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code', client_id: PGO, redirect_uri, scope: 'patient/*.read offline_access', state: randomToken(), code_challenge: challenge, code_challenge_method: 'S256',
  }).toString();
  const digid = await browser.navigate(authorize.href, { stopAt: isAt(redirect_uri) });
  const consent = await browser.submit(digid, 'digid-login', { bsn }, { stopAt: isAt(redirect_uri) });
  const back = hasTestId(consent, 'consent-approve') ? await browser.submit(consent, 'consent-approve', {}, { stopAt: isAt(redirect_uri) }) : consent;
  const code = callbackParams(back).get('code');
  expect(code, `collect ended at ${back.url}`).toBeTruthy();
  const token = await post(t, '/token', { grant_type: 'authorization_code', code: code!, redirect_uri, code_verifier: verifier });
  expect(token.status).toBe(200);
  return token.body;
}

export interface Option1Authorization {
  /** Where the browser stopped: the PGO's callback, DigiD, or a DVA page. */
  page: Page;
  code?: string;
  error?: string;
  verifier: string;
  /** The /authorize URL the browser was sent to (docs/protocol.md §3.2 step 4). */
  url: string;
}

/** The option-1 callback registered for the PGO. */
export const option1Callback = (t: ProtocolStack) => `${t.urls.pgo}/callback_option1`;

/** The PGO's option-1 /authorize URL for `audience` (docs/protocol.md §3.2 step 4 [impl]). */
export function option1Url(t: ProtocolStack, challenge: string, params: Record<string, string | undefined> = {}): string {
  const url = new URL(`${t.urls.dvaAuth}/authorize`);
  const all: Record<string, string | undefined> = {
    response_type: 'code', client_id: PGO, redirect_uri: option1Callback(t), scope: 'launch openid fhirUser patient/*.read', state: randomToken(),
    code_challenge: challenge, code_challenge_method: 'S256', audience: MODULE_1, ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

/**
 * Steps 4–6 as the PGO: the browser goes to the option-1 /authorize, approves the module's consent
 * screen when shown, and stops at the PGO's callback, or at DigiD (when `digid` names no person).
 */
export async function option1Authorize(t: ProtocolStack, browser: Browser, options: { params?: Record<string, string | undefined>; digid?: string } = {}): Promise<Option1Authorization> {
  const { verifier, challenge } = pkce();
  const url = option1Url(t, challenge, options.params);
  const stopAt = (u: URL) => u.href.startsWith(option1Callback(t)) || u.origin === t.urls.module;
  let page = await browser.navigate(url, { stopAt });
  if (options.digid !== undefined && hasTestId(page, 'digid-login')) page = await browser.submit(page, 'digid-login', { bsn: options.digid }, { stopAt });
  if (hasTestId(page, 'consent-approve')) page = await browser.submit(page, 'consent-approve', {}, { stopAt });
  const answer = page.url.startsWith(option1Callback(t)) ? callbackParams(page) : new URLSearchParams();
  return { page, verifier, url, ...(answer.get('code') && { code: answer.get('code')! }), ...(answer.get('error') && { error: answer.get('error')! }) };
}

/** Step 7 [impl]: the option-1 code as the `actor_token` of 3a's token exchange. */
export const option1Exchange = (t: ProtocolStack, subjectToken: string, authorization: { code: string; verifier: string }, overrides: Record<string, string | string[] | undefined> = {}) =>
  post(t, '/token', exchangeParams(subjectToken, authorization, { audience: MODULE_1, resource: 'Task/task-1', ...overrides }));

/** Steps 4–7: a launch code for module-1 prepared in `browser`, which holds a correlation cookie. */
export async function option1LaunchCode(t: ProtocolStack, browser: Browser, subjectToken: string): Promise<string> {
  const authorization = await option1Authorize(t, browser);
  expect(authorization.code, `option 1 authorization ended at ${authorization.page.url}`).toBeTruthy();
  const exchanged = await option1Exchange(t, subjectToken, { code: authorization.code!, verifier: authorization.verifier });
  expect(exchanged.status, JSON.stringify(exchanged.body)).toBe(200);
  return exchanged.body.access_token;
}

type SigningCryptoKey = ProtocolStack['keys']['pgo']['privateKey'];

/**
 * A compact JWS (RFC 7515 §7.1) with ES256 (RFC 7518 §3.4: R || S), signed with WebCrypto: an
 * encoder independent of the jose the services verify with, so the test can also sign what the
 * PGO never would.
 */
async function signEs256(header: Record<string, unknown>, claims: Record<string, unknown>, key: SigningCryptoKey): Promise<string> {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key as Parameters<typeof crypto.subtle.sign>[1], Buffer.from(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

export interface ContextOptions {
  /** Claims replacing (or, with `undefined`, dropping) the defaults. */
  claims?: Record<string, unknown>;
  /** Header `typ` (default the context type). */
  typ?: string;
  /** Sign with this key instead of the PGO's. */
  key?: { privateKey: SigningCryptoKey; kid: string };
  /** Seconds added to `iat` and `exp` (negative: issued in the past). */
  shift?: number;
}

/** Option 3b's launch context (docs/option-3b.md) as the PGO signs it, for task-3b of Tom by default. */
export async function launchContext(t: ProtocolStack, options: ContextOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000) + (options.shift ?? 0);
  const claims: Record<string, unknown> = {
    iss: PGO, aud: t.urls.dvaAuth, iat: now, exp: now + 60, jti: randomToken(),
    module: MODULE_3B, task: 'Task/task-3b', patient: 'pat-van-duinen', return_url: `${t.urls.pgo}/launch_callback?task_id=task-3b`,
    ...options.claims,
  };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  const key = options.key ?? t.keys.pgo;
  return signEs256({ alg: 'ES256', kid: key.kid, typ: options.typ ?? LAUNCH_CONTEXT_TYP }, claims, key.privateKey);
}

/** `{DVA}/launch-module?module&context` (docs/protocol.md §3.5 step 4). */
export function launchModuleUrl(t: ProtocolStack, context: string, module = MODULE_3B): string {
  return `${t.urls.dvaAuth}/launch-module?${new URLSearchParams({ module, context })}`;
}

/** Where the DVA sends the browser in step 7: the module's launch URL with `iss` and `launch`. */
export const isModuleLaunch = (t: ProtocolStack, module = MODULE_3B) => (url: URL) => url.href.startsWith(`${t.urls.module}/m/${module}/launch?`);
