import { afterEach, describe, expect, it } from 'vitest';
import { createStore } from '@koppelmij/core';
import { redisUrlOrSkip, testPrefix } from '../../../packages/core/test/support/redis.ts';
import { csrfFrom } from './support/browser.ts';
import { BSN, URLS } from './support/fake-world.ts';
import { collect, login, setup, startModule, type Setup } from './support/flows.ts';

let current: Setup | undefined;
afterEach(async () => {
  await current?.app.close();
  current = undefined;
});

/** Collects, launches task-1 with 3a-W, and returns the return_url the DVA would hand the module. */
async function launched(env: Record<string, string> = {}, deps: Parameters<typeof setup>[1] = {}): Promise<{ s: Setup; returnUrl: URL }> {
  const s = (current = await setup(env, deps));
  await login(s);
  await collect(s);
  const start = await startModule(s, 'task-1');
  if (s.config.launchPrepMode === 'par-cookie') await s.browser.get(s.world.dvaAuthorize(start.headers.location as string));
  return { s, returnUrl: new URL(s.world.tokenRequests.at(-1)!.get('return_url')!) };
}

describe('terugkeer (docs/protocol.md §4.6)', () => {
  it('re-reads the Task at the DVA and ignores status hints in the URL (docs/protocol.md §8 item 27)', async () => {
    const { s, returnUrl } = await launched();
    s.world.fhir.put({ resourceType: 'Task', id: 'task-1', status: 'in-progress', owner: { reference: 'Patient/pat-1' } });
    returnUrl.searchParams.set('module_status', 'completed');
    returnUrl.searchParams.set('error', 'temporarily_unavailable');
    const back = await s.browser.get(returnUrl.href);
    expect(back.statusCode).toBe(303);
    expect(s.world.fhir.requests.at(-1)!.url).toBe(`${URLS.fhir}/Task/task-1`);
    const page = (await s.browser.get(back.headers.location as string)).body;
    expect(page).toMatch(/data-testid="task-status-task-1">in-progress</);
    expect(page).toContain('The module reported: temporarily_unavailable.');
    // The notice is shown once.
    expect((await s.browser.get(`/dossier/${BSN}`)).body).not.toContain('The module reported');
  });

  it('shows a module error that is not RFC 6749 error syntax only as "an error"', async () => {
    const { s, returnUrl } = await launched();
    returnUrl.searchParams.set('error', 'say "hi"\n');
    const back = await s.browser.get(returnUrl.href);
    const page = (await s.browser.get(back.headers.location as string)).body;
    expect(page).toContain('The module reported: an error.');
  });

  it('shows the module error as escaped text', async () => {
    const { s, returnUrl } = await launched();
    returnUrl.searchParams.set('error', '<script>alert(1)</script>');
    const back = await s.browser.get(returnUrl.href);
    const page = (await s.browser.get(back.headers.location as string)).body;
    expect(page).toContain('The module reported: &lt;script&gt;alert(1)&lt;/script&gt;.');
    expect(page).not.toContain('<script>');
  });

  it.each([
    ['an unknown dossier', (url: URL) => url.searchParams.set('dossier', 'x')],
    ['no dossier', (url: URL) => url.searchParams.delete('dossier')],
    ['an unknown task', (url: URL) => url.searchParams.set('task_id', 'task-unknown')],
  ])('answers %s with 404', async (_name, tamper) => {
    const { s, returnUrl } = await launched();
    tamper(returnUrl);
    expect((await s.browser.get(returnUrl.href)).statusCode).toBe(404);
  });

  it('requires the PGO session', async () => {
    const { s, returnUrl } = await launched();
    s.browser.cookies.clear();
    expect((await s.browser.get(returnUrl.href)).statusCode).toBe(403);
  });
});

describe('the collect token stays in the PGO (docs/protocol.md §8 item 26)', () => {
  it.each(['302', 'form_post'])('never appears in any page, header or cookie the browser gets (W9 %s)', async (mode) => {
    const { s, returnUrl } = await launched({ LAUNCH_REDIRECT: mode });
    await s.browser.get(returnUrl.href);
    await s.browser.get(`/dossier/${BSN}`);
    await s.browser.get('/');
    await startModule(s, 'task-unknown');
    await s.browser.get('/callback_stepup?state=forged&code=x');
    const seen = s.browser.everything();
    expect(s.world.collectTokens).toHaveLength(1);
    expect(s.world.launchCode).not.toBe('');
    expect(seen).toContain(s.world.launchCode); // the search itself works
    for (const secret of [...s.world.collectTokens, ...s.world.refreshTokens]) {
      expect(seen).not.toContain(secret);
      expect([...s.browser.cookies.values()].join()).not.toContain(secret);
    }
  });

  it('is not sent to the module: W9 carries only iss and launch', async () => {
    const { s } = await launched();
    const w9 = s.browser.seen.find((r) => String(r.headers.location ?? '').startsWith('http://module.localhost'))!;
    expect([...new URL(w9.headers.location as string).searchParams.keys()]).toEqual(['iss', 'launch']);
  });
});

describe('shared state', () => {
  it('runs the whole flow on the Redis store (several PGO instances)', async (context) => {
    const url = await redisUrlOrSkip('pgo');
    if (!url) return context.skip();
    const store = createStore(url, { prefix: testPrefix('pgo') });
    try {
      const { s, returnUrl } = await launched({}, { store });
      expect(s.world.launchCode).not.toBe('');
      expect((await s.browser.get(returnUrl.href)).statusCode).toBe(303);
    } finally {
      await current?.app.close();
      current = undefined;
      await store.close();
    }
  });
});

describe('other pages', () => {
  it('publishes the public signing key only at /jwks', async () => {
    const s = (current = await setup());
    const jwks = (await s.browser.get('/jwks')).json<{ keys: Array<Record<string, unknown>> }>();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('answers an unknown path with a 404 page', async () => {
    const s = (current = await setup());
    const response = await s.browser.get('/nope');
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('text/html');
  });

  it('logs out with the form token', async () => {
    const s = (current = await setup());
    const start = await login(s);
    await s.browser.post('/logout', { csrf: csrfFrom(start) });
    expect((await s.browser.get('/')).body).toContain('data-testid="pgo-login"');
  });
});
