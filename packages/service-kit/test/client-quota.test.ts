import Fastify, { type FastifyRequest } from 'fastify';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '@koppelmij/core';
import { checkClientQuota, claimedClientId } from '../src/client-quota.ts';
import { RateLimiter } from '../src/rate-limit.ts';

const request = (headers: Record<string, string>, body?: URLSearchParams) => ({ headers, body }) as unknown as FastifyRequest;

describe('claimedClientId', () => {
  it('reads HTTP Basic, client_id, and the sub of a client assertion', async () => {
    expect(claimedClientId(request({ authorization: `Basic ${Buffer.from('my%20client:secret').toString('base64')}` }))).toBe('my client');
    expect(claimedClientId(request({}, new URLSearchParams({ client_id: 'pgo-demo' })))).toBe('pgo-demo');
    const assertion = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('module-3a').sign(new Uint8Array(32));
    expect(claimedClientId(request({}, new URLSearchParams({ client_assertion: assertion })))).toBe('module-3a');
    expect(claimedClientId(request({}, new URLSearchParams({ client_assertion: 'not a jwt' })))).toBeUndefined();
    expect(claimedClientId(request({}))).toBeUndefined();
  });
});

describe('checkClientQuota', () => {
  it('refuses (429) a client whose authenticated requests used up the window, and fails closed (503)', async () => {
    const store = new MemoryStore();
    const limiter = new RateLimiter(store);
    const quota = { limiter, limits: { '/par': { limit: 2, window: 60 } } };
    const fastify = Fastify();
    fastify.post('/par', { preHandler: async (req, rep) => checkClientQuota(quota, '/par', req, rep) }, async () => 'pushed');
    const par = () => fastify.inject({ method: 'POST', url: '/par', headers: { authorization: `Basic ${Buffer.from('pgo-demo:x').toString('base64')}` } });
    expect((await par()).statusCode).toBe(200); // checking does not count
    await limiter.hit('client/par', 'pgo-demo', quota.limits['/par']);
    await limiter.hit('client/par', 'pgo-demo', quota.limits['/par']);
    const refused = await par();
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: 'temporarily_unavailable' });
    store.get = () => Promise.reject(new Error('store down'));
    expect((await par()).statusCode).toBe(503);
  });
});
