/**
 * Compact JWS signing (RFC 7515 §5.1, §7.1) with `node:crypto` in place when the key is a
 * KeyObject core can reach and the algorithm one node-signature.ts handles; jose signs otherwise
 * (docs/decisions.md I115). The header and claims are serialized as jose's SignJWT does.
 */
import { SignJWT, type CryptoKey, type JWTHeaderParameters, type JWTPayload, type KeyObject } from 'jose';
import { keyObjectOf } from './keys.ts';
import { createSignature, keyFitsAlgorithm } from './node-signature.ts';

/** A JWT of `claims` under `header` (which names `alg`), signed with `privateKey`. */
export async function signJwt(header: JWTHeaderParameters, claims: JWTPayload, privateKey: CryptoKey | KeyObject): Promise<string> {
  const key = keyObjectOf(privateKey);
  if (key === undefined || !keyFitsAlgorithm(header.alg, key, 'private') || header.crit !== undefined || header.b64 !== undefined) {
    return new SignJWT(claims).setProtectedHeader(header).sign(privateKey);
  }
  const input = `${base64url(header)}.${base64url(claims)}`;
  return `${input}.${createSignature(header.alg, key, input).toString('base64url')}`;
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
