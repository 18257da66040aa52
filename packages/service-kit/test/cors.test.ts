import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { browserOrigins, registerCors } from '../src/cors.ts';

const APP = 'https://app.example.nl';

function app() {
  const fastify = Fastify();
  registerCors(fastify, { origins: browserOrigins([{ redirect_uris: [`${APP}/callback`] }]), open: (p) => p === '/metadata', restricted: (p) => p.startsWith('/data') });
  fastify.get('/metadata', async () => ({}));
  fastify.get('/data', async () => ({}));
  fastify.get('/authorize', async () => 'page');
  return fastify;
}
const preflight = (url: string, origin: string) =>
  app().inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, dpop' } });

describe('registerCors', () => {
  it('takes the origins of redirect URIs and allowed_origins', () => {
    expect([...browserOrigins([{ redirect_uris: ['https://a.nl/cb', 'https://a.nl/other'], allowed_origins: ['https://b.nl'] }])]).toEqual(['https://a.nl', 'https://b.nl']);
  });

  it('answers a preflight from a registered origin with that origin, never * or credentials', async () => {
    const response = await preflight('/data', APP);
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(APP);
    expect(response.headers['access-control-allow-headers']).toBe('Authorization, DPoP, Content-Type');
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    const get = await app().inject({ url: '/data', headers: { origin: APP } });
    expect(get.headers['access-control-expose-headers']).toBe('WWW-Authenticate, DPoP-Nonce');
    expect(get.headers.vary).toBe('Origin');
  });

  it('gives an unregistered origin nothing', async () => {
    const response = await preflight('/data', 'https://evil.example');
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect((await app().inject({ url: '/data', headers: { origin: 'https://evil.example' } })).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('opens public documents to any origin with *, and leaves other paths alone', async () => {
    expect((await app().inject({ url: '/metadata', headers: { origin: 'https://any.example' } })).headers['access-control-allow-origin']).toBe('*');
    const page = await app().inject({ url: '/authorize', headers: { origin: APP } });
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
  });
});
