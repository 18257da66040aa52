/**
 * jose's `decodeProtectedHeader`, remembered by the header's base64url segment: a DPoP client
 * signs every proof under the same header (`typ`, `alg`, `jwk`), a client its assertions under
 * the same `alg` and `kid`, an authorization server its tokens under its `kid`. jose decodes
 * base64url through `atob` on this Node, which made the header a tenth of a FHIR read's CPU
 * (docs/decisions.md I115). The result is deeply frozen: every later caller shares it.
 */
import { decodeProtectedHeader, type ProtectedHeaderParameters } from 'jose';
import { LruMap } from './lru.ts';
import { deepFreeze } from '../util/freeze.ts';

const decoded = new LruMap<string, ProtectedHeaderParameters>(10_000);
// a header this long is no DPoP or client-assertion header anyone sends twice; it is not kept
const MAX_CACHED_LENGTH = 2_048;

/**
 * The protected header of the compact JWS `jws`, decoded by jose.
 * @throws whatever jose's decodeProtectedHeader throws for it.
 */
export function protectedHeaderOf(jws: string): ProtectedHeaderParameters {
  const dot = typeof jws === 'string' ? jws.indexOf('.') : -1;
  if (dot < 0 || dot > MAX_CACHED_LENGTH) return decodeProtectedHeader(jws);
  const segment = jws.slice(0, dot);
  let header = decoded.get(segment);
  if (header === undefined) {
    header = deepFreeze(decodeProtectedHeader(jws));
    decoded.set(segment, header);
  }
  return header;
}
