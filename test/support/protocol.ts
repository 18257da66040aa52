/**
 * The test as a protocol party of option 3a: the PGO's back channel (PAR, token exchange, as
 * `pgo-demo`) and a module's SMART leg (as `module-3a` or `module-3a-secret`), against the real
 * services of `startStack`. The stack gets signing keys the test knows, so the test can
 * authenticate as those clients (RFC 7523 §2.2, docs/decisions-protocol.md D1: `aud` = the DVA issuer).
 */
import { expect, vi } from 'vitest';
import {
  CLIENT_ASSERTION_TYPE, GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE, DpopClient, createClientAssertion,
  createPkce, generateDpopKey, randomToken, type ClientAssertionAlgorithm, type DpopKey, type DpopRequestInit,
} from '@koppelmij/core';
import { loadSigningKey, type SigningKey } from '@koppelmij/service-kit';
import { startStack, type Stack, type StackOptions } from '../../scripts/stack.ts';
import { Browser, hasTestId, type Page } from './browser.ts';

export const TOM = '999990020';
export const KOOS = '999990032';
export const PGO = 'pgo-demo';
export const MODULE = 'module-3a';
/** The module identity with `client_secret_basic` and consent `never` (deploy/demo/registrations.json). */
export const MODULE_SECRET = 'module-3a-secret';
const MODULE_SECRET_VALUE = 'demo-secret-module-3a-change-me-in-a-real-deployment';
export const LAUNCH_SCOPE = 'launch openid fhirUser patient/*.read';

/** A stack whose PGO and module sign with keys the test holds. */
export interface ProtocolStack extends Stack {
  keys: { pgo: SigningKey; module: SigningKey };
}

/** `startStack` on free ports, with known PGO and module keys merged into `serviceEnv`. */
export async function startProtocolStack(options: StackOptions = {}): Promise<ProtocolStack> {
  const keys = { pgo: await loadSigningKey(), module: await loadSigningKey() };
  const stack = await startStack({
    ...options,
    ports: { pgo: 0, dvaAuth: 0, dvaFhir: 0, module: 0, digid: 0 },
    serviceEnv: {
      ...options.serviceEnv,
      pgo: { SIGNING_JWK: JSON.stringify(keys.pgo.privateJwk), ...options.serviceEnv?.pgo },
      module: { SIGNING_JWK: JSON.stringify(keys.module.privateJwk), ...options.serviceEnv?.module },
    },
  });
  return Object.assign(stack, { keys });
}

export interface Reply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of the endpoint under test
  body: any;
}

/**
 * Moves this process's clock `seconds` ahead (only `Date`; timers stay real). Every service of the
 * stack runs in this process, so tokens, codes, cookies and store entries all age at once.
 * Undo with `vi.useRealTimers()` in an `afterEach`.
 */
export function travel(seconds: number): void {
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(Date.now() + seconds * 1000);
}

/** RFC 7523 §2.2 client authentication parameters for `clientId`, signed with `key` (default: that client's own). */
export async function clientAssertion(t: ProtocolStack, clientId: string, key = clientId === PGO ? t.keys.pgo : t.keys.module): Promise<Record<string, string>> {
  const assertion = await createClientAssertion({ clientId, audience: t.urls.dvaAuth, privateKey: key.privateKey, alg: key.alg as ClientAssertionAlgorithm, kid: key.kid });
  return { client_id: clientId, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion };
}

/** HTTP Basic for `client_secret_basic` (RFC 6749 §2.3.1). */
export const basic = (clientId: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` });

/** The client authentication of `clientId` for one request: a fresh assertion, or HTTP Basic. */
async function authenticate(t: ProtocolStack, clientId: string): Promise<{ headers: Record<string, string>; params: Record<string, string> }> {
  if (clientId === MODULE_SECRET) return { headers: basic(clientId, MODULE_SECRET_VALUE), params: {} };
  return { headers: {}, params: await clientAssertion(t, clientId) };
}

export interface PostOptions {
  /** Authenticate as this client (default the PGO); `false` sends the form as is. */
  as?: string | false;
  headers?: Record<string, string>;
  /** Another instance of the DVA authorization server, e.g. `http://127.0.0.1:<port>` (default the stack's). */
  base?: string;
  /** Send a DPoP proof with this key (RFC 9449 §5), retrying once with the server's nonce (§8). */
  dpop?: DpopKey;
}

/** POSTs a form to the DVA authorization server (`path` below its issuer). */
export async function post(t: ProtocolStack, path: string, form: Record<string, string | string[]>, options: PostOptions = {}): Promise<Reply> {
  const url = `${options.base ?? t.urls.dvaAuth}${path}`;
  // a fresh client assertion for every attempt: its jti is single use (RFC 7523 §3 (7))
  const request = async (): Promise<DpopRequestInit> => {
    const auth = options.as === false ? { headers: {}, params: {} } : await authenticate(t, options.as ?? PGO);
    const body = new URLSearchParams(auth.params);
    for (const [name, value] of Object.entries(form)) for (const v of [value].flat()) body.append(name, v);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...auth.headers, ...options.headers };
    return { method: 'POST', headers, body, redirect: 'manual' };
  };
  const response = options.dpop ? await new DpopClient({ key: options.dpop }).fetch(url, request) : await fetch(url, await request());
  return { status: response.status, headers: response.headers, body: await response.json().catch(() => undefined) };
}

/** A GET to dva-fhir with `token` as a Bearer token (RFC 6750 §2.1). */
export async function fhirGet(t: ProtocolStack, path: string, token: string): Promise<Reply> {
  const response = await fetch(`${t.urls.dvaFhir}/${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' } });
  return { status: response.status, headers: response.headers, body: await response.json().catch(() => undefined) };
}

/** A GET to dva-fhir (or another FHIR `base`) with a DPoP-bound token and a proof for it (RFC 9449 §7), nonce retry included. */
export async function fhirGetDpop(t: ProtocolStack, path: string, token: string, key: DpopKey, base = t.urls.dvaFhir): Promise<Reply> {
  const url = `${base}/${path}`;
  const init = { method: 'GET', headers: { authorization: `DPoP ${token}`, accept: 'application/fhir+json' } };
  const response = await new DpopClient({ key }).fetch(url, init, { accessToken: token });
  return { status: response.status, headers: response.headers, body: await response.json().catch(() => undefined) };
}

/** An RFC 7636 S256 pair (core's createPkce, in the names the tests use). */
export function pkce(): { verifier: string; challenge: string } {
  const { code_verifier, code_challenge } = createPkce();
  return { verifier: code_verifier, challenge: code_challenge };
}

const isAt = (prefix: string) => (url: URL) => url.href.startsWith(prefix);

/** The RFC 6749 §4.1.2 answer at a redirect_uri: `code` or `error`, and `state`. */
export function callbackParams(page: Page): URLSearchParams {
  return new URL(page.url).searchParams;
}

/** Collect (docs/protocol.md §2.3) up to the code: the browser logs in at DigiD as `bsn` and consents. */
export async function collectCode(t: ProtocolStack, bsn = TOM): Promise<{ code: string; verifier: string; redirect_uri: string }> {
  const browser = new Browser();
  const { verifier, challenge } = pkce();
  const redirect_uri = `${t.urls.pgo}/callback`;
  const authorize = new URL(`${t.urls.dvaAuth}/authorize`);
  authorize.search = new URLSearchParams({ response_type: 'code', client_id: PGO, redirect_uri, scope: 'openid patient/*.read', state: randomToken(), code_challenge: challenge, code_challenge_method: 'S256' }).toString();
  const digid = await browser.navigate(authorize.href, { stopAt: isAt(redirect_uri) });
  const consent = await browser.submit(digid, 'digid-login', { bsn }, { stopAt: isAt(redirect_uri) });
  const back = await browser.submit(consent, 'consent-approve', {}, { stopAt: isAt(redirect_uri) });
  const code = callbackParams(back).get('code');
  expect(code, `collect ended at ${back.url}`).toBeTruthy();
  return { code: code!, verifier, redirect_uri };
}

/** Collect with the test as the PGO, the code redeemed: the collect token response (`MEDMIJ_VERZAMELEN_TOKEN`). */
export async function collectToken(t: ProtocolStack, bsn = TOM): Promise<{ access_token: string; refresh_token?: string; patient: string }> {
  const { code, verifier, redirect_uri } = await collectCode(t, bsn);
  const token = await post(t, '/token', { grant_type: 'authorization_code', code, redirect_uri, code_verifier: verifier });
  expect(token.status).toBe(200);
  return token.body;
}

/** The W1 body (docs/protocol.md §3.1.1 table) for `subjectToken`; `overrides` replace or (with `undefined`) drop values. */
export function parParams(t: ProtocolStack, subjectToken: string, challenge: string, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    redirect_uri: `${t.urls.pgo}/callback_stepup`,
    audience: MODULE,
    subject_token: subjectToken,
    subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
    acr_values: 'urn:medmij:oauth2:acr-value:launch-authorization',
    state: randomToken(),
    scope: LAUNCH_SCOPE,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The W3 URL: `/authorize` with only `client_id` and `request_uri` (RFC 9126 §4). */
export const parAuthorizeUrl = (t: ProtocolStack, requestUri: string, clientId = PGO) =>
  `${t.urls.dvaAuth}/authorize?${new URLSearchParams({ client_id: clientId, request_uri: requestUri })}`;

export interface LaunchPrep {
  /** The launch-prep authorization code (W5), the `actor_token` of W7. */
  code: string;
  verifier: string;
  /** The browser that holds the Module DVA Authentication cookie. */
  browser: Browser;
}

/** W1–W6 with the test as the PGO: PAR, then the browser's `/authorize`, which sets the cookie. */
export async function launchPrep(t: ProtocolStack, browser: Browser, subjectToken: string, overrides: Record<string, string | undefined> = {}): Promise<LaunchPrep> {
  const { verifier, challenge } = pkce();
  const pushed = await post(t, '/par', parParams(t, subjectToken, challenge, overrides));
  expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
  const back = await browser.navigate(parAuthorizeUrl(t, pushed.body.request_uri), { stopAt: isAt(`${t.urls.pgo}/callback_stepup`) });
  const code = callbackParams(back).get('code');
  expect(code, `launch preparation ended at ${back.url}`).toBeTruthy();
  return { code: code!, verifier, browser };
}

/** The W7 body (docs/protocol.md §3.1.1 table); `overrides` replace or (with `undefined`) drop values. */
export function exchangeParams(subjectToken: string, prep: { code: string; verifier: string }, overrides: Record<string, string | string[] | undefined> = {}): Record<string, string | string[]> {
  const params: Record<string, string | string[] | undefined> = {
    grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
    subject_token: subjectToken,
    subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
    actor_token: prep.code,
    actor_token_type: TOKEN_TYPE.LAUNCH_AUTHORIZATION_CODE,
    requested_token_type: TOKEN_TYPE.LAUNCH_CODE,
    audience: MODULE,
    code_verifier: prep.verifier,
    resource: 'Task/task-3a',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(params).filter((e): e is [string, string | string[]] => e[1] !== undefined));
}

/** W1–W8: a launch code for `task` and `audience`, prepared in `browser`. */
export async function launchCode(t: ProtocolStack, browser: Browser, subjectToken: string, options: { audience?: string; task?: string } = {}): Promise<string> {
  const audience = options.audience ?? MODULE;
  const prep = await launchPrep(t, browser, subjectToken, { audience });
  const exchanged = await post(t, '/token', exchangeParams(subjectToken, prep, { audience, resource: `Task/${options.task ?? 'task-3a'}` }));
  expect(exchanged.status, JSON.stringify(exchanged.body)).toBe(200);
  return exchanged.body.access_token;
}

export interface ModuleAuthorization {
  /** Where the browser ended: the module's callback, or a DVA / DigiD page. */
  page: Page;
  code?: string;
  error?: string;
  state: string;
  verifier: string;
  nonce: string;
  redirectUri: string;
}

/** The module's redirect_uri registered at the DVA. */
export const moduleCallback = (t: ProtocolStack, clientId = MODULE) => `${t.urls.module}/m/${clientId}/callback`;

/**
 * W12–W14 with the test as the module: the browser goes to the DVA's `/authorize` with the launch,
 * approves the consent screen when one is shown, and stops at the module's callback (or wherever it ends).
 */
export async function moduleAuthorize(t: ProtocolStack, browser: Browser, launch: string, options: { clientId?: string; params?: Record<string, string | undefined> } = {}): Promise<ModuleAuthorization> {
  const clientId = options.clientId ?? MODULE;
  const redirectUri = moduleCallback(t, clientId);
  const { verifier, challenge } = pkce();
  const state = randomToken();
  const nonce = randomToken();
  const params: Record<string, string | undefined> = {
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: LAUNCH_SCOPE, state, aud: t.urls.dvaFhir,
    launch, code_challenge: challenge, code_challenge_method: 'S256', nonce, ...options.params,
  };
  const url = new URL(`${t.urls.dvaAuth}/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  const stopAt = (u: URL) => u.href.startsWith(`${t.urls.module}/`) || u.origin === t.urls.digid;
  let page = await browser.navigate(url.href, { stopAt });
  if (hasTestId(page, 'consent-approve')) page = await browser.submit(page, 'consent-approve', {}, { stopAt });
  const answer = page.url.startsWith(redirectUri) ? callbackParams(page) : new URLSearchParams();
  return { page, state, verifier, nonce, redirectUri, ...(answer.get('code') && { code: answer.get('code')! }), ...(answer.get('error') && { error: answer.get('error')! }) };
}

/** W16 with a DPoP proof (docs/decisions-protocol.md D9): the module's authorization-code grant. */
export async function moduleToken(t: ProtocolStack, authorization: ModuleAuthorization, options: { clientId?: string; dpop?: DpopKey } = {}): Promise<Reply> {
  expect(authorization.code, `module authorization ended at ${authorization.page.url}`).toBeTruthy();
  return post(t, '/token', { grant_type: 'authorization_code', code: authorization.code!, redirect_uri: authorization.redirectUri, code_verifier: authorization.verifier }, { as: options.clientId ?? MODULE, ...(options.dpop && { dpop: options.dpop }) });
}

/** The whole of 3a-W as PGO and module: a module token response plus its DPoP key. */
export async function launchModule(t: ProtocolStack, subjectToken: string, options: { clientId?: string; scope?: string } = {}): Promise<{ tokens: Reply; dpop: DpopKey; browser: Browser }> {
  const browser = new Browser();
  const clientId = options.clientId ?? MODULE;
  const task = clientId === MODULE ? 'task-3a' : 'task-3a-secret';
  const launch = await launchCode(t, browser, subjectToken, { audience: clientId, task });
  const dpop = await generateDpopKey();
  const authorization = await moduleAuthorize(t, browser, launch, { clientId, ...(options.scope && { params: { scope: options.scope } }) });
  const tokens = await moduleToken(t, authorization, { clientId, dpop });
  expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
  return { tokens, dpop, browser };
}
