import { exportJWK, generateKeyPair, importJWK, calculateJwkThumbprint, type CryptoKey, type JWK } from 'jose';

export interface SigningKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** Private JWK, for oidc-provider's `jwks` option. */
  privateJwk: JWK;
  publicJwk: JWK;
  kid: string;
  alg: string;
}

/**
 * A signing key from a private JWK (JSON text, e.g. from an environment variable), or a fresh
 * one when none is configured. A fresh key lives as long as the process: fine for the demo,
 * where peers fetch it from `jwks_uri`; a deployment configures its own.
 */
export async function loadSigningKey(privateJwkJson?: string, alg = 'ES256'): Promise<SigningKey> {
  let privateJwk: JWK;
  if (privateJwkJson) {
    privateJwk = JSON.parse(privateJwkJson) as JWK;
  } else {
    const pair = await generateKeyPair(alg, { extractable: true });
    privateJwk = await exportJWK(pair.privateKey);
  }
  const kid = privateJwk.kid ?? (await calculateJwkThumbprint(privateJwk));
  privateJwk = { ...privateJwk, kid, alg: privateJwk.alg ?? alg, use: 'sig' };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
  const privateKey = (await importJWK(privateJwk, privateJwk.alg)) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, privateJwk.alg)) as CryptoKey;
  return { privateKey, publicKey, privateJwk, publicJwk, kid, alg: privateJwk.alg! };
}
