import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { dpopKeyFromJwk, type DpopKey } from '@koppelmij/core/dpop';

/** The `fetch` the module calls out with (injectable for tests). */
export type Fetch = typeof globalThis.fetch;

const ALG = 'ES256';

/**
 * A fresh DPoP key for one launch (RFC 9449 §2), with its private JWK for the server-side store:
 * the key must outlive one request (token, FHIR calls, refresh, revocation all prove it), and
 * several module instances share nothing but the store. The JWK never reaches the browser.
 */
export async function generateLaunchDpopKey(): Promise<{ key: DpopKey; privateJwk: JWK }> {
  // node:crypto in place of WebCrypto (docs/decisions.md I115): one key per launch
  const { privateKey } = await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
  const privateJwk = privateKey.export({ format: 'jwk' }) as JWK;
  return { key: await importDpopKey(privateJwk), privateJwk };
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** The {@link DpopKey} of a stored private JWK. */
export function importDpopKey(privateJwk: JWK): Promise<DpopKey> {
  return dpopKeyFromJwk(privateJwk, ALG);
}
