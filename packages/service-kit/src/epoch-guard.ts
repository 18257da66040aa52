import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { DPOP_ERRORS, epochOf, InvalidDpopProof, type KeyValueStore } from '@koppelmij/core';
import { sendOAuthError } from './errors.ts';

/**
 * oidc-provider keeps the DPoP `jti`s it has seen in the store (its `ReplayDetection` model) and
 * knows nothing of the store's epoch. A proof whose `iat` lies before the epoch may have been used
 * before the store lost its state: it is refused here, before the provider sees the request
 * (docs/decisions.md I77). The unverified `iat` can only refuse, never admit: the provider still
 * runs every check of RFC 9449 §4.3.
 */

// core `verifyDpopProof`'s default acceptance window for past `iat` (s): it judges a proof stale before it checks replay
const STALE_AFTER = 60;
export function refuseDpopBeforeEpoch(app: FastifyInstance, store: KeyValueStore, paths: readonly string[]): void {
  app.addHook('onRequest', async (request, reply) => {
    const proof = request.headers.dpop;
    if (typeof proof !== 'string' || !paths.includes(request.url.split('?')[0]!)) return;
    let iat: unknown;
    try {
      iat = decodeJwt(proof).iat;
    } catch {
      return; // not a JWT: the provider refuses it
    }
    if (typeof iat === 'number' && iat < (await epochOf(store).current())) {
      // RFC 9449 §4.3 (11) before §11.1, as the checks behind this one report it
      const stale = Math.floor(Date.now() / 1000) - iat > STALE_AFTER;
      return sendOAuthError(reply, new InvalidDpopProof(stale ? DPOP_ERRORS.iat : DPOP_ERRORS.replay));
    }
  });
}
