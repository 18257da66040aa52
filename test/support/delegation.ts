/**
 * The test as a protocol party of options 2a and 2b (docs/protocol.md §3.3, §3.4; docs/option-2a-2b.md): the
 * PGO's back channel to the DVA, the module at the PGO's authorization server and at the DVA,
 * and the module's DPoP calls to dva-fhir. Builds on protocol.ts (known keys, `post`, `travel`).
 */
import { expect } from 'vitest';
import {
  CLIENT_ASSERTION_TYPE, GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE, DpopClient, createClientAssertion, createDpopProof, randomToken,
  verifyJwtAccessToken, type AccessTokenClaims, type ClientAssertionAlgorithm, type DpopKey, type DpopRequestInit,
} from '@koppelmij/core';
import type { SigningKey } from '@koppelmij/service-kit';
import { Browser, type Page } from './browser.ts';
import { collect, loginAtPgo } from './flows.ts';
import { pkce, post, type ProtocolStack, type Reply } from './protocol.ts';

export const MODULE_2A = 'module-2a';
export const MODULE_2B = 'module-2b';
export const MODULE_SCOPE = 'launch patient/*.read patient/Task.write patient/Observation.write';

export interface AssertionOptions {
  /** The one `aud` (default: the DVA's token endpoint). */
  audience?: string;
  /** `cnf.jkt`; `null` leaves `cnf` out. */
  jkt?: string | null;
  key?: SigningKey;
  /** `kid` in the header (default the key's). */
  kid?: string;
  jti?: string;
  /** Seconds since the epoch the assertion claims to be made at (default now). */
  at?: number;
}

/** A module's RFC 7523 assertion, as client authentication or as `actor_token` (docs/security-checklists.md §3). */
export function moduleAssertion(t: ProtocolStack, clientId: string, options: AssertionOptions = {}): Promise<string> {
  const key = options.key ?? t.keys.module;
  return createClientAssertion({
    clientId,
    audience: options.audience ?? `${t.urls.dvaAuth}/token`,
    privateKey: key.privateKey,
    alg: key.alg as ClientAssertionAlgorithm,
    kid: options.kid ?? key.kid,
    ...(options.jti !== undefined && { jti: options.jti }),
    ...(options.at !== undefined && { clock: () => options.at! }),
    ...(options.jkt !== null && options.jkt !== undefined && { cnf: { jkt: options.jkt } }),
  });
}

/** 2a step 9 with the test as the PGO: `actor_token` = the module's assertion made for the PGO's token endpoint. */
export function forwardedExchange(t: ProtocolStack, subjectToken: string, actorToken: string, overrides: Record<string, string | undefined> = {}): Promise<Reply> {
  return post(t, '/token', form({
    grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
    subject_token: subjectToken,
    subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
    actor_token: actorToken,
    actor_token_type: TOKEN_TYPE.JWT,
    requested_token_type: TOKEN_TYPE.ACCESS_TOKEN,
    resource: 'Task/task-2a',
    ...overrides,
  }));
}

/** 2b step 9 with the test as the PGO: the temporary token for module-2b and task-2b. */
export function temporaryTokenRequest(t: ProtocolStack, subjectToken: string, overrides: Record<string, string | undefined> = {}): Promise<Reply> {
  return post(t, '/token', form({
    grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
    subject_token: subjectToken,
    subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
    requested_token_type: TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN,
    audience: MODULE_2B,
    resource: 'Task/task-2b',
    ...overrides,
  }));
}

/** The temporary token itself (asserting the 2b step 9 answer). */
export async function temporaryToken(t: ProtocolStack, subjectToken: string): Promise<string> {
  const reply = await temporaryTokenRequest(t, subjectToken);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.access_token;
}

export interface ModuleExchangeOptions {
  /** The client that authenticates (default module-2b). */
  as?: string;
  /** The proof key; `null` sends no DPoP header. */
  dpop?: DpopKey | null;
  /** A ready-made `DPoP` header value instead of one built here (no nonce retry then). */
  proof?: string;
  overrides?: Record<string, string | undefined>;
}

/** 2b step 11 with the test as the module: temporary token, actor assertion, DPoP (nonce retry in `post`). */
export async function moduleExchange(t: ProtocolStack, temporary: string, actorToken: string, options: ModuleExchangeOptions = {}): Promise<Reply> {
  const body = form({
    grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
    subject_token: temporary,
    subject_token_type: TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN,
    actor_token: actorToken,
    actor_token_type: TOKEN_TYPE.JWT,
    requested_token_type: TOKEN_TYPE.ACCESS_TOKEN,
    ...options.overrides,
  });
  return post(t, '/token', body, {
    as: options.as ?? MODULE_2B,
    ...(options.proof !== undefined && { headers: { dpop: options.proof } }),
    ...(options.proof === undefined && options.dpop && { dpop: options.dpop }),
  });
}

/** The claims of a JWT access token of the DVA, verified against its key (RFC 9068 §4). */
export const claimsOf = (t: ProtocolStack, token: string): Promise<AccessTokenClaims> =>
  verifyJwtAccessToken(token, { key: t.dvaAuth.dva.signingKey.publicKey, issuer: t.urls.dvaAuth, audience: t.urls.dvaFhir });

export interface ResourceCall {
  method?: string;
  path?: string;
  scheme?: 'DPoP' | 'Bearer';
  /** The proof's key (default: the token's own). */
  key?: DpopKey;
  /** Proof fields to change or (with `undefined`) drop. */
  proof?: { htm?: string; htu?: string; accessToken?: string; iat?: number; nonce?: string };
  /** A ready-made proof to send as is. */
  rawProof?: string;
  /** Another instance of dva-fhir (same configuration, same store), e.g. `http://127.0.0.1:<port>`. */
  origin?: string;
}

/** One request to dva-fhir with a DPoP-bound token (RFC 9449 §7), built as the test says. */
export async function fhirCall(t: ProtocolStack, token: string, key: DpopKey, call: ResourceCall = {}): Promise<Reply & { proof: string | undefined }> {
  const method = call.method ?? 'GET';
  const url = `${t.urls.dvaFhir}/${call.path ?? 'Task/task-2a'}`;
  const proof = call.rawProof ?? (await createDpopProof({
    key: call.key ?? key,
    htm: call.proof?.htm ?? method,
    htu: call.proof?.htu ?? url,
    accessToken: call.proof?.accessToken ?? token,
    ...(call.proof?.iat !== undefined && { iat: call.proof.iat }),
    ...(call.proof?.nonce !== undefined && { nonce: call.proof.nonce }),
  }));
  const target = call.origin ? `${call.origin}${new URL(url).pathname}` : url;
  const response = await fetch(target, { method, headers: { authorization: `${call.scheme ?? 'DPoP'} ${token}`, dpop: proof, accept: 'application/fhir+json' } });
  return { status: response.status, headers: response.headers, body: await response.json().catch(() => undefined), proof };
}

export interface PgoLaunch {
  browser: Browser;
  /** The launch URL the PGO sent the browser to (W9 of 2a/2b: `iss` = the PGO FHIR base, `launch`). */
  launchUrl: URL;
  launch: string;
  iss: string;
}

/** Logs Tom in at the PGO, collects, and presses "start" for `task`, stopping at the module's launch URL. */
export async function pgoLaunch(t: ProtocolStack, task: string, browser = new Browser(), dossier?: Page): Promise<PgoLaunch> {
  const page = dossier ?? (await collect(t, browser, await loginAtPgo(t, browser)));
  const at = await browser.submit(page, `start-module-${task}`, {}, { stopAt: (url) => url.pathname.endsWith('/launch') && url.origin === t.urls.module });
  const launchUrl = new URL(at.url);
  return { browser, launchUrl, launch: launchUrl.searchParams.get('launch')!, iss: launchUrl.searchParams.get('iss')! };
}

export interface PgoAuthorization {
  page: Page;
  code?: string;
  error?: string;
  verifier: string;
  redirectUri: string;
}

/** Steps 6–7 with the test as the module: the browser to the PGO's /authorize, stopping at the module's callback. */
export async function pgoAuthorize(t: ProtocolStack, browser: Browser, clientId: string, launch: string, params: Record<string, string | undefined> = {}): Promise<PgoAuthorization> {
  const redirectUri = `${t.urls.module}/m/${clientId}/callback`;
  const { verifier, challenge } = pkce();
  const url = new URL(`${t.urls.pgo}/authorize`);
  const all: Record<string, string | undefined> = {
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope: MODULE_SCOPE, state: randomToken(), aud: `${t.urls.pgo}/fhir`,
    launch, code_challenge: challenge, code_challenge_method: 'S256', ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  const page = await browser.navigate(url.href, { stopAt: (u) => u.href.startsWith(redirectUri) });
  const query = new URL(page.url).searchParams;
  return { page, verifier, redirectUri, ...(query.get('code') && { code: query.get('code')! }), ...(query.get('error') && { error: query.get('error')! }) };
}

export interface PgoTokenOptions {
  /** The client assertion (default: one for the PGO's token endpoint with the DPoP key's `cnf`). */
  assertion?: string;
  /** The proof key; `null` sends no DPoP header. */
  dpop?: DpopKey | null;
}

/** Step 8 with the test as the module: the code grant at the PGO, with DPoP and nonce retry (RFC 9449 §8). */
export async function pgoToken(t: ProtocolStack, clientId: string, auth: PgoAuthorization, key: DpopKey, options: PgoTokenOptions = {}): Promise<Reply> {
  const url = `${t.urls.pgo}/token`;
  const request = async (): Promise<DpopRequestInit> => {
    const assertion = options.assertion ?? (await moduleAssertion(t, clientId, { audience: url, jkt: key.jkt }));
    const body = new URLSearchParams({
      grant_type: 'authorization_code', code: auth.code!, redirect_uri: auth.redirectUri, code_verifier: auth.verifier,
      client_id: clientId, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion,
    });
    return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body };
  };
  const proofKey = options.dpop === undefined ? key : options.dpop;
  // a given assertion cannot be sent twice (its jti is single use), so no nonce retry then
  const response = proofKey
    ? await new DpopClient({ key: proofKey }).fetch(url, request, { retryOnNonce: options.assertion === undefined })
    : await fetch(url, await request());
  return { status: response.status, headers: response.headers, body: await response.json().catch(() => undefined) };
}

function form(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
}
