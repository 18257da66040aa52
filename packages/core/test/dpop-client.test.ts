import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { DpopClient, DpopNonceMemory, generateDpopKey } from '../src/dpop/index.ts';
import { sha256b64url } from '../src/util/index.ts';

type Sent = { url: string; init: RequestInit; proof: Record<string, unknown> };

/** A fake server: answers each request with the next response in `answers` (the last one repeats). */
function server(answers: Array<() => Response>) {
  const sent: Sent[] = [];
  const fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const proof = new Headers(init.headers).get('dpop')!;
    expect(decodeProtectedHeader(proof).typ).toBe('dpop+jwt');
    sent.push({ url: String(input), init, proof: decodeJwt(proof) });
    return answers[Math.min(sent.length - 1, answers.length - 1)]!();
  }) as typeof globalThis.fetch;
  return { fetch, sent };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => () =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const ok = json(200, { ok: true });
const AS = 'https://as.example/token';
const RS = 'https://rs.example/fhir/Task/1?x=1';

describe('DpopClient', () => {
  it('proves a request with htm, htu without query, a fresh jti, and ath for a token (RFC 9449 §4.2)', async () => {
    const key = await generateDpopKey();
    const s = server([ok]);
    const client = new DpopClient({ key, fetch: s.fetch });
    expect(client.key).toBe(key);
    const response = await client.fetch(RS, { method: 'GET', headers: { accept: 'application/fhir+json' } }, { accessToken: 'at-1' });
    expect(response.status).toBe(200);
    expect(s.sent[0]!.proof).toMatchObject({ htm: 'GET', htu: 'https://rs.example/fhir/Task/1', ath: sha256b64url('at-1') });
    expect(s.sent[0]!.proof.nonce).toBeUndefined();
    expect(new Headers(s.sent[0]!.init.headers).get('accept')).toBe('application/fhir+json');
    expect(s.sent[0]!.init.redirect).toBe('error');
    await client.fetch(RS, { method: 'GET', redirect: 'manual' });
    expect(s.sent[1]!.init.redirect).toBe('manual');
    expect(s.sent[1]!.proof.jti).not.toBe(s.sent[0]!.proof.jti);
    expect(s.sent[1]!.proof.ath).toBeUndefined();
  });

  it('retries once on an authorization server nonce challenge (RFC 9449 §8), building the request anew', async () => {
    const s = server([json(400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': 'n-1' }), ok]);
    const client = new DpopClient({ key: await generateDpopKey(), fetch: s.fetch });
    let built = 0;
    const response = await client.fetch(AS, async () => ({ method: 'POST', body: `attempt=${++built}` }));
    expect(response.status).toBe(200);
    expect(built).toBe(2);
    expect(s.sent.map((r) => r.init.body)).toEqual(['attempt=1', 'attempt=2']);
    expect(s.sent[1]!.proof.nonce).toBe('n-1');
    // the nonce is remembered for the next request to that origin
    await client.fetch('https://as.example/par', { method: 'POST' });
    expect(s.sent[2]!.proof.nonce).toBe('n-1');
  });

  it('retries once on a resource server challenge (RFC 9449 §9)', async () => {
    const challenge = () => new Response(null, { status: 401, headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce", algs="ES256"', 'dpop-nonce': 'rs-1' } });
    const s = server([challenge, ok]);
    const client = new DpopClient({ key: await generateDpopKey(), fetch: s.fetch });
    expect((await client.fetch(RS, { method: 'GET' }, { accessToken: 't' })).status).toBe(200);
    expect(s.sent[1]!.proof).toMatchObject({ nonce: 'rs-1', ath: sha256b64url('t') });
  });

  it('retries at most once', async () => {
    const s = server([json(400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': 'n-1' })]);
    const client = new DpopClient({ key: await generateDpopKey(), fetch: s.fetch });
    const response = await client.fetch(AS, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'use_dpop_nonce' });
    expect(s.sent).toHaveLength(2);
  });

  it.each([
    ['without a DPoP-Nonce header', json(400, { error: 'use_dpop_nonce' })],
    ['for another error', json(400, { error: 'invalid_grant' }, { 'dpop-nonce': 'n-1' })],
    ['for a body that is no JSON', () => new Response('nope', { status: 400, headers: { 'dpop-nonce': 'n-1' } })],
    ['for a 401 of another error', () => new Response(null, { status: 401, headers: { 'www-authenticate': 'DPoP error="invalid_token"', 'dpop-nonce': 'n-1' } })],
    ['for a 401 Bearer challenge', () => new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="use_dpop_nonce"', 'dpop-nonce': 'n-1' } })],
    ['for a 200 with a new nonce', () => new Response('{}', { status: 200, headers: { 'dpop-nonce': 'n-1' } })],
  ])('does not retry %s', async (_name, answer) => {
    const s = server([answer, ok]);
    const client = new DpopClient({ key: await generateDpopKey(), fetch: s.fetch });
    await client.fetch(AS, { method: 'POST' });
    expect(s.sent).toHaveLength(1);
  });

  it('does not retry when told not to (a request that cannot be sent twice)', async () => {
    const s = server([json(400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': 'n-1' }), ok]);
    const client = new DpopClient({ key: await generateDpopKey(), fetch: s.fetch });
    expect((await client.fetch(AS, { method: 'POST' }, { retryOnNonce: false })).status).toBe(400);
    expect(s.sent).toHaveLength(1);
  });

  it('shares a nonce memory between keys, by origin', async () => {
    const nonces = new DpopNonceMemory();
    const s = server([json(200, {}, { 'dpop-nonce': 'shared' })]);
    await new DpopClient({ key: await generateDpopKey(), fetch: s.fetch, nonces }).fetch(AS, { method: 'POST' });
    await new DpopClient({ key: await generateDpopKey(), fetch: s.fetch, nonces }).fetch(AS, { method: 'POST' });
    expect(s.sent[1]!.proof.nonce).toBe('shared');
    expect(nonces.get('https://as.example/other')).toBe('shared');
    expect(nonces.get('https://rs.example/')).toBeUndefined();
  });

  it('uses globalThis.fetch by default', () => {
    expect(new DpopClient({ key: {} as never }).nonces).toBeInstanceOf(DpopNonceMemory);
  });
});

describe('DpopNonceMemory', () => {
  it.each([
    ['n-1', 'n-1'],
    ['!#[]~', '!#[]~'],
    ['with space', undefined],
    ['quote"', undefined],
    ['', undefined],
  ])('remembers %j as %j (RFC 9449 §8.1 NQCHAR)', (nonce, kept) => {
    const memory = new DpopNonceMemory();
    memory.remember(AS, new Response(null, { headers: { 'dpop-nonce': nonce } }));
    expect(memory.get(AS)).toBe(kept);
  });
});
