import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, registerSecurityHeaders } from '../src/security-headers.ts';

async function app(publicUrl = 'http://svc.localhost:4000') {
  const fastify = Fastify();
  registerSecurityHeaders(fastify, { publicUrl });
  fastify.get('/page', async (_request, reply) => reply.type('text/html').send('<p>hi</p>'));
  fastify.get('/own-csp', async (_request, reply) => reply.header('content-security-policy', "default-src 'none'").send('x'));
  fastify.get('/jwks', async (_request, reply) => reply.header('cache-control', 'max-age=60').send({ keys: [] }));
  fastify.get('/.well-known/openid-configuration', async () => ({ issuer: 'x' }));
  // what mountOidcProvider does: the provider writes the raw response itself
  fastify.get('/hijacked', (_request, reply) => {
    reply.hijack();
    reply.raw.setHeader('content-type', 'application/json');
    reply.raw.end('{"error":"invalid_request"}');
  });
  return fastify;
}

describe('registerSecurityHeaders', () => {
  it('sets the headers on a page', async () => {
    const response = await (await app()).inject('/page');
    expect(response.headers).toMatchObject({
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(response.headers['strict-transport-security']).toBeUndefined(); // http: RFC 6797 §7.2
  });

  it('sets them on a response the route writes itself (a hijacked oidc-provider route)', async () => {
    const response = await (await app()).inject('/hijacked');
    expect(response.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it("adds frame-ancestors 'none' to a route's own CSP", async () => {
    const response = await (await app()).inject('/own-csp');
    expect(response.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('leaves the caching of public documents to the route', async () => {
    const fastify = await app();
    expect((await fastify.inject('/jwks')).headers['cache-control']).toBe('max-age=60');
    expect((await fastify.inject('/.well-known/openid-configuration')).headers['cache-control']).toBeUndefined();
  });

  it('sends Strict-Transport-Security when the public URL is https', async () => {
    const response = await (await app('https://svc.example.nl')).inject('/page');
    expect(response.headers['strict-transport-security']).toBe('max-age=31536000');
  });
});
