import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Browser, CLIENT_ID, location, REDIRECT_URI, startDigid } from './browser.ts';
import { RelyingParty } from './flow.ts';

const TOM = '999990020';
const ANNA = '999990019';
const SANNE = '999990044';

let app: FastifyInstance;
let issuer: string;
let rp: RelyingParty;

beforeAll(async () => {
  ({ app, issuer } = await startDigid());
  rp = await RelyingParty.discover(issuer);
});
afterAll(() => app.close());

/** An interaction whose login page has been shown, ready for a POST. */
async function loginStep() {
  const browser = new Browser();
  const { interaction } = await rp.authorize(browser);
  await browser.fetch(interaction);
  return { browser, interaction };
}

async function expectErrorPage(response: Response, status = 400): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  const body = await response.text();
  expect(body).toContain('data-testid="digid-error"');
  return body;
}

describe('login input', () => {
  it('refuses an unknown BSN and leaves the interaction usable', async () => {
    const { browser, interaction } = await loginStep();
    const body = await expectErrorPage(await browser.post(`${interaction}/login`, { bsn: '999990111' }));
    expect(body).toContain('no test person');
    const retry = await browser.post(`${interaction}/login`, { bsn: TOM });
    expect(retry.status).toBe(303);
  });

  it('refuses a malformed BSN and a missing one', async () => {
    const { browser, interaction } = await loginStep();
    await expectErrorPage(await browser.post(`${interaction}/login`, { bsn: '99999002x' }));
    await expectErrorPage(await browser.post(`${interaction}/login`, {}));
    await expectErrorPage(await browser.post(`${interaction}/login`, { bsn: TOM, represent: 'everyone' }));
  });

  it('refuses to represent someone without a mandate', async () => {
    const { browser, interaction } = await loginStep();
    const body = await expectErrorPage(await browser.post(`${interaction}/login`, { bsn: TOM, represent: SANNE }));
    expect(body).toContain('not mandated');
    await expectErrorPage(await browser.post(`${interaction}/login`, { bsn: ANNA, represent: TOM }));
    expect((await browser.post(`${interaction}/login`, { bsn: ANNA, represent: SANNE })).status).toBe(303);
  });

  it('refuses a login step without this browser’s interaction cookie', async () => {
    const { interaction } = await loginStep();
    const stranger = new Browser();
    await expectErrorPage(await stranger.fetch(interaction));
    await expectErrorPage(await stranger.post(`${interaction}/login`, { bsn: TOM }));
  });

  it('refuses an interaction cookie presented at another interaction’s URL', async () => {
    const { browser, interaction } = await loginStep();
    const other = (await rp.authorize(new Browser())).interaction;
    await expectErrorPage(await fetch(other, { headers: { cookie: browser.cookieHeader(interaction) } }));
  });
  it('refuses a login at the consent step (the person cannot be swapped mid-flow)', async () => {
    const { browser, interaction } = await loginStep();
    const resume = await browser.fetch(location(await browser.post(`${interaction}/login`, { bsn: TOM })));
    const consent = new URL(location(resume), issuer).href;
    expect(consent).not.toBe(interaction);
    await expectErrorPage(await browser.post(`${consent}/login`, { bsn: ANNA }));
  });
});

describe('authorization request', () => {
  it('requires PKCE (RFC 9700 §2.1.1)', async () => {
    const { response } = await rp.authorize(new Browser(), { pkce: false });
    const callback = new URL(location(response));
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
  });

  it('answers an unknown client with a small HTML page, no stack trace', async () => {
    const response = await fetch(`${issuer}/auth?client_id=nobody&response_type=code&scope=openid`);
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).toContain('invalid_client');
    expect(body).toContain('data-testid="digid-error"');
    expect(body).not.toMatch(/\bat \S+\.js:\d+/);
  });
});

describe('token endpoint', () => {
  async function code() {
    const { callback, verifier } = await rp.login(TOM);
    return { code: callback.searchParams.get('code')!, verifier };
  }

  it('refuses a wrong client secret with invalid_client (RFC 6749 §5.2)', async () => {
    const { code: c, verifier } = await code();
    const response = await rp.redeem(c, verifier, 'not-the-secret-0123456789');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('refuses a code_verifier that does not match the challenge (RFC 7636 §4.6)', async () => {
    const { code: c } = await code();
    const response = await rp.redeem(c, 'a'.repeat(43));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a code the second time (RFC 6749 §4.1.2)', async () => {
    const { code: c, verifier } = await code();
    expect((await rp.redeem(c, verifier)).status).toBe(200);
    const again = await rp.redeem(c, verifier);
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('knows only the configured client', async () => {
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${CLIENT_ID}x:secret`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT_URI, code_verifier: 'a'.repeat(43) }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  });
});
