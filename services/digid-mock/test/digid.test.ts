import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { TEST_PERSONS } from '../src/index.ts';
import { Browser, followToClient, location, REDIRECT_URI, startDigid } from './browser.ts';
import { RelyingParty } from './flow.ts';

const TOM = '999990020';
const ANNA = '999990019';
const SANNE = '999990044';
const PIETER = '999990056';

let app: FastifyInstance;
let issuer: string;
let rp: RelyingParty;

beforeAll(async () => {
  ({ app, issuer } = await startDigid());
  rp = await RelyingParty.discover(issuer);
});
afterAll(() => app.close());

describe('discovery', () => {
  it('describes a code-only, PKCE-S256, ES256 provider with the bsn scope', () => {
    expect(rp.metadata).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['ES256'],
    });
    expect(rp.metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'bsn']));
    expect(rp.metadata.scopes_supported).not.toContain('offline_access');
    expect(rp.metadata.claims_supported).toEqual(expect.arrayContaining(['bsn', 'act', 'birthdate', 'family_name']));
    expect(rp.metadata).not.toHaveProperty('end_session_endpoint');
    expect(rp.metadata).not.toHaveProperty('pushed_authorization_request_endpoint');
  });
});

describe('login page', () => {
  it('lists every test person and a login button, with its own cookie names', async () => {
    const browser = new Browser();
    const { interaction } = await rp.authorize(browser);
    const page = await browser.fetch(interaction);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const body = await page.text();
    for (const person of TEST_PERSONS) expect(body).toContain(`data-testid="digid-person-${person.bsn}"`);
    expect(body).toContain('data-testid="digid-login"');
    expect(browser.cookieNames().every((name) => name.startsWith('digid_'))).toBe(true);
  });

  it('shows the act-for step to a representative: herself and each person who mandated her', async () => {
    const browser = new Browser();
    const { interaction } = await rp.authorize(browser);
    await browser.fetch(interaction);
    const step = await browser.post(`${interaction}/login`, { bsn: ANNA });
    expect(step.status).toBe(200);
    const body = await step.text();
    for (const id of ['self', SANNE, PIETER]) expect(body).toContain(`data-testid="digid-represent-${id}"`);
    expect(body).not.toContain(`data-testid="digid-represent-${TOM}"`);
  });
});

describe('code flow as dva-auth', () => {
  it('redirects to the client with code, state and iss (RFC 9207 §2)', async () => {
    const { callback, state } = await rp.login(TOM);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.get('iss')).toBe(issuer);
  });

  it('issues an id_token about the person, with an opaque sub and no act', async () => {
    const claims = await rp.idToken(TOM);
    expect(claims).toMatchObject({
      bsn: TOM,
      name: 'Tom van Duinen',
      family_name: 'van Duinen',
      given_name: 'Erik',
      birthdate: '1961-08-02',
      gender: 'male',
    });
    expect(claims.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(claims.sub).not.toContain(TOM);
    expect(claims).not.toHaveProperty('act');
  });

  it('gives the same person the same sub each time', async () => {
    expect((await rp.idToken(TOM)).sub).toBe((await rp.idToken(TOM)).sub);
  });

  it('under representation: bsn and profile of the represented person, act names the representative', async () => {
    const claims = await rp.idToken(ANNA, SANNE);
    expect(claims).toMatchObject({ bsn: SANNE, name: 'Sanne van Dijk', family_name: 'van Dijk', birthdate: '1979-05-14' });
    expect(claims.act).toEqual({ sub: expect.any(String), bsn: ANNA, name: 'Anna van der Berg' });
    const self = await rp.idToken(ANNA, 'self');
    expect(self).toMatchObject({ bsn: ANNA, birthdate: '1984-03-07' });
    expect(self).not.toHaveProperty('act');
    expect((claims.act as { sub: string }).sub).toBe(self.sub);
    const sanne = await rp.idToken(SANNE);
    expect(new Set([claims.sub, self.sub, sanne.sub]).size).toBe(3);
  });

  it('represents Pieter, who has no PGO account, the same way', async () => {
    const claims = await rp.idToken(ANNA, PIETER);
    expect(claims).toMatchObject({ bsn: PIETER, name: 'Pieter ter Horst', act: { bsn: ANNA } });
  });

  it('releases bsn and act only with the bsn scope', async () => {
    const claims = await rp.idToken(ANNA, SANNE, 'openid profile');
    expect(claims).toMatchObject({ name: 'Sanne van Dijk' });
    expect(claims).not.toHaveProperty('bsn');
    expect(claims).not.toHaveProperty('act');
  });

  it('has no single sign-on: the next authorization request asks again', async () => {
    const { browser } = await rp.login(ANNA, SANNE);
    const again = await rp.authorize(browser);
    expect(new URL(again.interaction).pathname).toMatch(/^\/interaction\//);
    const page = await browser.fetch(again.interaction);
    expect(await page.text()).toContain('data-testid="digid-login"');
  });

  it('lets one browser act for someone else in the next request, with no stale session in the way', async () => {
    const { browser } = await rp.login(ANNA, SANNE);
    const next = await rp.authorize(browser);
    await browser.fetch(next.interaction);
    const chosen = await browser.post(`${next.interaction}/login`, { bsn: ANNA, represent: PIETER });
    const callback = await followToClient(browser, issuer, location(chosen));
    expect(callback.searchParams.get('state')).toBe(next.state);
    const response = await rp.redeem(callback.searchParams.get('code')!, next.verifier);
    const { id_token } = (await response.json()) as { id_token: string };
    expect(decodeJwt(id_token)).toMatchObject({ nonce: next.nonce, bsn: PIETER, act: { bsn: ANNA } });
  });

  it('serves the claims at userinfo too', async () => {
    const { callback, verifier } = await rp.login(TOM);
    const tokens = (await (await rp.redeem(callback.searchParams.get('code')!, verifier)).json()) as { access_token: string };
    const userinfo = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(userinfo.status).toBe(200);
    expect(await userinfo.json()).toMatchObject({ bsn: TOM, birthdate: '1961-08-02' });
  });

  it('lets the person cancel: the client gets access_denied', async () => {
    const browser = new Browser();
    const { interaction, state } = await rp.authorize(browser);
    await browser.fetch(interaction);
    const aborted = await browser.post(`${interaction}/abort`, {});
    expect(aborted.status).toBe(303);
    const callback = new URL(location(await browser.fetch(location(aborted))));
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(state);
    expect(callback.searchParams.has('code')).toBe(false);
  });
});
