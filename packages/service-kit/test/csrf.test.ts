import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { crossOriginRefusal, FormTokens, hasFormToken, registerFormProtection } from '../src/csrf.ts';

const OWN = 'http://dva.localhost:4100';

describe('crossOriginRefusal', () => {
  it('refuses cross-site and same-site Fetch Metadata, and without it a foreign Origin', () => {
    expect(crossOriginRefusal({ 'sec-fetch-site': 'cross-site', origin: 'null' }, OWN)).toBe('Sec-Fetch-Site: cross-site');
    expect(crossOriginRefusal({ 'sec-fetch-site': 'same-site', origin: OWN }, OWN)).toBe('Sec-Fetch-Site: same-site');
    expect(crossOriginRefusal({ origin: 'http://pgo.localhost:4000' }, OWN)).toBe('Origin: http://pgo.localhost:4000');
  });

  it('lets through the own origin, a typed navigation, a client that sends neither header, and Origin null', () => {
    expect(crossOriginRefusal({ 'sec-fetch-site': 'same-origin', origin: OWN }, OWN)).toBeUndefined();
    // Fetch §3.1: a same-origin form of a page with Referrer-Policy: no-referrer sends Origin: null
    expect(crossOriginRefusal({ 'sec-fetch-site': 'same-origin', origin: 'null' }, OWN)).toBeUndefined();
    expect(crossOriginRefusal({ origin: 'null' }, OWN)).toBeUndefined();
    expect(crossOriginRefusal({ 'sec-fetch-site': 'none' }, OWN)).toBeUndefined();
    expect(crossOriginRefusal({}, OWN)).toBeUndefined();
  });
});

describe('registerFormProtection', () => {
  const app = Fastify();
  registerFormProtection(app, { publicUrl: `${OWN}/`, refusalPage: () => '<p>refused</p>' });
  app.post('/form', async () => 'changed');
  app.post('/api', { config: { acceptsCrossOrigin: true } }, async () => 'api');
  app.get('/page', async () => 'page');
  const from = (origin: string) => ({ origin, 'content-type': 'text/plain' });

  it('answers 403 with a page to a post from another origin, before the handler', async () => {
    const response = await app.inject({ method: 'POST', url: '/form', headers: from('http://module.localhost:4300'), payload: 'a=1' });
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toBe('<p>refused</p>');
  });

  it('lets the own origin post, and leaves routes that accept cross-origin requests and GETs alone', async () => {
    expect((await app.inject({ method: 'POST', url: '/form', headers: from(OWN), payload: 'a=1' })).body).toBe('changed');
    expect((await app.inject({ method: 'POST', url: '/api', headers: from('http://module.localhost:4300'), payload: 'a=1' })).body).toBe('api');
    expect((await app.inject({ method: 'GET', url: '/page', headers: { 'sec-fetch-site': 'cross-site' } })).body).toBe('page');
  });
});

describe('form tokens', () => {
  it('binds a token to its binding and verifies it under every key (rotation)', () => {
    const old = new FormTokens(['old-key-0123456789abcdef']);
    const rotated = new FormTokens(['new-key-0123456789abcdef', 'old-key-0123456789abcdef']);
    const token = old.issue('interaction:abc');
    expect(rotated.verify('interaction:abc', { csrf: token })).toBe(true);
    expect(rotated.verify('interaction:abd', { csrf: token })).toBe(false);
    expect(new FormTokens(['other-key-0123456789abcdef']).verify('interaction:abc', { csrf: token })).toBe(false);
    expect(old.verify('interaction:abc', {})).toBe(false);
    expect(old.verify('interaction:abc', { csrf: [token] })).toBe(false);
  });

  it('compares a session token', () => {
    expect(hasFormToken({ csrf: 'tok' }, 'tok')).toBe(true);
    expect(hasFormToken({ csrf: 'tok' }, undefined)).toBe(false);
    expect(hasFormToken({ csrf: 'tox' }, 'tok')).toBe(false);
    expect(hasFormToken(undefined, 'tok')).toBe(false);
  });
});
