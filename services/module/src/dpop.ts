import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { jwkThumbprint, type DpopKey } from '@koppelmij/core/dpop';

/** The `fetch` the module calls out with (injectable for tests). */
export type Fetch = typeof globalThis.fetch;

const ALG = 'ES256';

/**
 * A fresh DPoP key for one launch (RFC 9449 §2), with its private JWK for the server-side store:
 * the key must outlive one request (token, FHIR calls, refresh, revocation all prove it), and
 * several module instances share nothing but the store. The JWK never reaches the browser.
 */
export async function generateLaunchDpopKey(): Promise<{ key: DpopKey; privateJwk: JWK }> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  return { key: await importDpopKey(privateJwk), privateJwk };
}

/** The {@link DpopKey} of a stored private JWK. */
export async function importDpopKey(privateJwk: JWK): Promise<DpopKey> {
  const { kty, crv, x, y } = privateJwk;
  const publicJwk: JWK = { kty, crv, x, y };
  const privateKey = (await importJWK({ ...privateJwk, ext: false }, ALG)) as DpopKey['privateKey'];
  return { privateKey, publicJwk, alg: ALG, jkt: await jwkThumbprint(publicJwk) };
}
