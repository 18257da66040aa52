import { createHash } from 'node:crypto';

/**
 * A store key for a tuple of strings that no two different tuples can share:
 * each part is length-prefixed before hashing, so ("ab","c") and ("a","bc") differ.
 * (oidc-provider hashes `iss + jti` with no separator; RFC 9449 §11.1 asks for
 * bounded, unambiguous replay keys.)
 */
export function tupleKey(namespace: string, ...parts: string[]): string {
  const h = createHash('sha256');
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    h.update(len).update(bytes);
  }
  return `${namespace}:${h.digest('base64url')}`;
}
