/** DPoP key pairs as the client libraries take them (WebCrypto), with their RFC 7638 thumbprint. */
import type { CryptoKeyPair } from 'oauth4webapi';
import { jwkThumbprint } from '@koppelmij/core';

export async function dpopKeyPair(): Promise<{ pair: CryptoKeyPair; jkt: string }> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
  return { pair, jkt: await jwkThumbprint(await crypto.subtle.exportKey('jwk', pair.publicKey)) };
}
