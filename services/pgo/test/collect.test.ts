import { afterEach, describe, expect, it } from 'vitest';
import { csrfFrom } from './support/browser.ts';
import { BSN, URLS } from './support/fake-world.ts';
import { collect, login, setup, type Setup } from './support/flows.ts';

let current: Setup | undefined;
afterEach(async () => {
  await current?.app.close();
  current = undefined;
});
async function world(env: Record<string, string> = {}): Promise<Setup> {
  current = await setup(env);
  return current;
}

describe('start page and DigiD login', () => {
  it('shows the login button, then the own dossier keyed by BSN', async () => {
    const s = await world();
    expect((await s.browser.get('/')).body).toContain('data-testid="pgo-login"');
    const start = await login(s);
    expect(start).toContain(`data-testid="dossier-${BSN}"`);
    expect(start).toContain('Tom van Duinen');
  });

  it('sends the DigiD request with PKCE S256 and a nonce', async () => {
    const s = await world();
    const url = new URL((await s.browser.get('/login')).headers.location as string);
    expect(url.origin + url.pathname).toBe(`${URLS.digid}/auth`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'pgo-demo',
      redirect_uri: `${URLS.pgo}/login/callback`,
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
  });

  it('sets an opaque HttpOnly SameSite=Lax session cookie', async () => {
    const s = await world();
    const response = await s.browser.get('/login');
    const cookie = (response.cookies as Array<{ name: string; httpOnly?: boolean; sameSite?: string }>).find((c) => c.name === 'pgo_sid');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
  });

  it('refuses a login callback whose state was not issued to this browser (docs/protocol.md §8 item 24)', async () => {
    const s = await world();
    const location = (await s.browser.get('/login')).headers.location as string;
    const back = new URL(s.world.digidAuthorize(location));
    back.searchParams.set('state', 'forged');
    expect((await s.browser.get(back.href)).statusCode).toBe(400);
  });

  it.each([
    ['for another nonce (OIDC Core §3.1.3.7 (11))', { bsn: BSN, name: 'Tom', nonce: 'other' }],
    ['without a bsn', { name: 'Tom' }],
  ])('refuses an id_token %s and logs nobody in', async (_name, claims) => {
    const s = await world();
    const location = (await s.browser.get('/login')).headers.location as string;
    expect((await s.browser.get(s.world.digidAuthorize(location, claims))).statusCode).toBe(502);
    expect((await s.browser.get('/')).body).toContain('data-testid="pgo-login"');
  });

  it('refuses a dossier page without login, and a dossier of another BSN', async () => {
    const s = await world();
    expect((await s.browser.get(`/dossier/${BSN}`)).statusCode).toBe(403);
    await login(s);
    expect((await s.browser.get('/dossier/111222333')).statusCode).toBe(404);
  });
});

describe('collect (docs/protocol.md §2.3)', () => {
  it('redirects to the DVA with code, PKCE S256, state and the registered scope', async () => {
    const s = await world();
    await login(s);
    const dossier = await s.browser.get(`/dossier/${BSN}`);
    const url = new URL((await s.browser.post(`/dossier/${BSN}/collect`, { csrf: csrfFrom(dossier.body) })).headers.location as string);
    expect(url.origin + url.pathname).toBe(`${URLS.dva}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'pgo-demo',
      redirect_uri: `${URLS.pgo}/callback`,
      scope: expect.stringContaining('patient/Task.read') as unknown,
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
  });

  it('refuses a collect without the form CSRF token', async () => {
    const s = await world();
    await login(s);
    expect((await s.browser.post(`/dossier/${BSN}/collect`, {})).statusCode).toBe(403);
  });

  it('redeems the code with private_key_jwt and the verifier, then shows the Tasks grouped by ServiceRequest', async () => {
    const s = await world();
    await login(s);
    const page = await collect(s);
    const exchange = s.world.tokenRequests.at(-1)!;
    expect(exchange.get('grant_type')).toBe('authorization_code');
    expect(exchange.get('redirect_uri')).toBe(`${URLS.pgo}/callback`);
    expect(s.world.fhir.requests[0]!.url).toBe(`${URLS.fhir}/Task?owner=${encodeURIComponent('Patient/pat-1')}`);

    expect(page).toContain('Bloeddruk thuis meten'); // ServiceRequest.code.text
    expect(page).toContain('Groep twee'); // groupIdentifier.type.text fallback
    expect(page).toMatch(/data-testid="task-status-task-1">requested</);
    expect(page).toMatch(/data-testid="start-module-task-1" data-launch-option="3a">Module starten \(optie 3a\)/);
    expect(page).toMatch(/data-testid="start-module-task-2" data-launch-option="1"/);
    expect(page).not.toContain('start-module-task-3'); // completed
    expect(page).toContain('data-testid="launch-problem-task-4"');
    expect(page).not.toContain('task-other'); // another patient's Task
  });

  it.each([
    ['without state', (url: URL) => url.searchParams.delete('state')],
    ['with a forged state', (url: URL) => url.searchParams.set('state', 'x'.repeat(43))],
    ['from another issuer (RFC 9207 §2.4)', (url: URL) => url.searchParams.set('iss', 'https://evil.example')],
  ])('answers a callback %s with 400 and redeems no code (docs/protocol.md §8 item 24)', async (_name, tamper) => {
    const s = await world();
    await login(s);
    const dossier = await s.browser.get(`/dossier/${BSN}`);
    const redirect = await s.browser.post(`/dossier/${BSN}/collect`, { csrf: csrfFrom(dossier.body) });
    const back = new URL(s.world.dvaAuthorize(redirect.headers.location as string));
    tamper(back);
    const response = await s.browser.get(back.href);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('data-testid="error"');
    expect(s.world.tokenRequests).toHaveLength(0);
  });

  it('accepts a state once only', async () => {
    const s = await world();
    await login(s);
    const dossier = await s.browser.get(`/dossier/${BSN}`);
    const redirect = await s.browser.post(`/dossier/${BSN}/collect`, { csrf: csrfFrom(dossier.body) });
    const back = s.world.dvaAuthorize(redirect.headers.location as string);
    expect((await s.browser.get(back)).statusCode).toBe(303);
    expect((await s.browser.get(back)).statusCode).toBe(400);
  });

  it('refuses a state issued to another browser session', async () => {
    const s = await world();
    await login(s);
    const dossier = await s.browser.get(`/dossier/${BSN}`);
    const redirect = await s.browser.post(`/dossier/${BSN}/collect`, { csrf: csrfFrom(dossier.body) });
    const back = s.world.dvaAuthorize(redirect.headers.location as string);
    s.browser.cookies.clear();
    await login(s); // the same person, in a fresh session
    expect((await s.browser.get(back)).statusCode).toBe(400);
  });

  it('shows an error the DVA sent back, as text', async () => {
    const s = await world();
    await login(s);
    const dossier = await s.browser.get(`/dossier/${BSN}`);
    const redirect = new URL((await s.browser.post(`/dossier/${BSN}/collect`, { csrf: csrfFrom(dossier.body) })).headers.location as string);
    const state = redirect.searchParams.get('state')!;
    const response = await s.browser.get(`/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(URLS.dva)}`);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('(access_denied)');
  });

  // RFC 9207 §2.4: the DVA advertises authorization_response_iss_parameter_supported
  it.each([
    ['names another issuer (mix-up)', `&iss=${encodeURIComponent('https://evil.example')}`, 'andere server dan die het werd gevraagd'],
    ['names no issuer', '', 'noemt niet de server waar het vandaan komt'],
  ])('refuses a collect answer that %s and never redeems its code', async (_name, iss, text) => {
    const s = await world();
    await login(s);
    const dossier = await s.browser.get(`/dossier/${BSN}`);
    const back = new URL(s.world.dvaAuthorize((await s.browser.post(`/dossier/${BSN}/collect`, { csrf: csrfFrom(dossier.body) })).headers.location as string));
    const response = await s.browser.get(`/callback?code=${back.searchParams.get('code')}&state=${back.searchParams.get('state')}${iss}`);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(text);
    expect(s.world.tokenRequests).toEqual([]);
  });

  it('refuses a DigiD login answer without iss, and logs nobody in (RFC 9207 §2.4)', async () => {
    const s = await world();
    const back = new URL(s.world.digidAuthorize((await s.browser.get('/login')).headers.location as string));
    back.searchParams.delete('iss');
    expect((await s.browser.get(back.href)).statusCode).toBe(400);
    expect((await s.browser.get('/')).body).toContain('data-testid="pgo-login"');
  });

  it('answers a repeated parameter with 400, not 500', async () => {
    const s = await world();
    expect((await s.browser.get('/callback?state=a&state=b')).statusCode).toBe(400);
  });
});
