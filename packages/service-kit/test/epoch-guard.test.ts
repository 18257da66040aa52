import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createDpopProof, EPOCH_KEY, generateDpopKey, MemoryStore } from '@koppelmij/core';
import { refuseDpopBeforeEpoch } from '../src/epoch-guard.ts';

/** An app whose `/token` and `/other` answer 200, guarded on `/token` for a store whose epoch is `epoch`. */
async function guarded(epoch: number) {
  const store = new MemoryStore();
  await store.set(EPOCH_KEY, epoch, 60);
  const app = Fastify();
  refuseDpopBeforeEpoch(app, store, ['/token']);
  app.post('/token', async () => ({ ok: true }));
  app.post('/other', async () => ({ ok: true }));
  return app;
}

describe('DPoP proofs before the store epoch, ahead of oidc-provider (docs/decisions.md I77)', async () => {
  const key = await generateDpopKey();
  const now = Math.floor(Date.now() / 1000);
  const proof = (iat: number) => createDpopProof({ key, htm: 'POST', htu: 'http://as.example/token', iat });

  it('refuses a proof made before the epoch as a replay (RFC 9449 §11.1)', async () => {
    const app = await guarded(now);
    const response = await app.inject({ method: 'POST', url: '/token?x=1', headers: { dpop: await proof(now - 1) } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'invalid_dpop_proof', error_description: 'DPoP proof has already been used' });
  });

  it('calls a proof older than the acceptance window stale, as the checks behind it would', async () => {
    const app = await guarded(now);
    const response = await app.inject({ method: 'POST', url: '/token', headers: { dpop: await proof(now - 61) } });
    expect(response.json()).toEqual({ error: 'invalid_dpop_proof', error_description: 'DPoP proof iat is outside the acceptable window' });
  });

  it('passes proofs from the epoch on, requests without a proof or a JWT, and other paths', async () => {
    const app = await guarded(now);
    expect((await app.inject({ method: 'POST', url: '/token', headers: { dpop: await proof(now) } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/token' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/token', headers: { dpop: 'not-a-jwt' } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/other', headers: { dpop: await proof(now - 1) } })).statusCode).toBe(200);
  });
});
