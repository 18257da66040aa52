/**
 * JWS signature checks with `node:crypto`'s synchronous `verify` on a `KeyObject` (RFC 7518 §3,
 * RFC 8037 §3.1, RFC 9864), for the algorithms the allow-lists contain (docs/decisions-protocol.md D2) and their
 * siblings. jose runs the same OpenSSL operation through WebCrypto, which costs a hop to the libuv
 * thread pool per signature; here it runs in place (docs/decisions.md I115).
 */
import { constants, sign, verify, type KeyObject } from 'node:crypto';

interface AlgorithmSpec {
  /** The `node:crypto` digest, or null for EdDSA (RFC 8032 hashes internally). */
  hash: string | null;
  keyType: 'ec' | 'rsa' | 'ed25519';
  /** EC only: the OpenSSL curve name and the IEEE P1363 signature length (RFC 7518 §3.4). */
  curve?: string;
  signatureLength?: number;
  /** RSASSA-PSS with a salt as long as the digest (RFC 7518 §3.5). */
  pss?: boolean;
}

const ALGORITHMS: Readonly<Record<string, AlgorithmSpec>> = {
  ES256: { hash: 'sha256', keyType: 'ec', curve: 'prime256v1', signatureLength: 64 },
  ES384: { hash: 'sha384', keyType: 'ec', curve: 'secp384r1', signatureLength: 96 },
  ES512: { hash: 'sha512', keyType: 'ec', curve: 'secp521r1', signatureLength: 132 },
  RS256: { hash: 'sha256', keyType: 'rsa' },
  RS384: { hash: 'sha384', keyType: 'rsa' },
  RS512: { hash: 'sha512', keyType: 'rsa' },
  PS256: { hash: 'sha256', keyType: 'rsa', pss: true },
  PS384: { hash: 'sha384', keyType: 'rsa', pss: true },
  PS512: { hash: 'sha512', keyType: 'rsa', pss: true },
  EdDSA: { hash: null, keyType: 'ed25519' }, // RFC 8037 §3.1; jose implements its Ed25519 curve only
  Ed25519: { hash: null, keyType: 'ed25519' }, // RFC 9864
};

// RFC 7518 §3.3, §3.5: "A key of size 2048 bits or larger MUST be used" (jose enforces it too).
const MIN_RSA_BITS = 2048;

/** True when this module can check `alg` itself; otherwise the caller leaves the JWS to jose. */
export function supportsAlgorithm(alg: string): boolean {
  return Object.hasOwn(ALGORITHMS, alg);
}

/**
 * True when `key` is a public key of the type `alg` requires: the EC curve of ES256/384/512, an
 * RSA key of at least 2048 bits for RS and PS, Ed25519 for EdDSA (RFC 7518 §3.1, RFC 8037 §3.1).
 */
export function keyFitsAlgorithm(alg: string, key: KeyObject, type: 'public' | 'private' = 'public'): boolean {
  const spec = ALGORITHMS[alg];
  if (spec === undefined || key.type !== type || key.asymmetricKeyType !== spec.keyType) return false;
  const details = key.asymmetricKeyDetails ?? {};
  if (spec.keyType === 'ec') return details.namedCurve === spec.curve;
  if (spec.keyType === 'rsa') return (details.modulusLength ?? 0) >= MIN_RSA_BITS;
  return true;
}

/** `alg`'s signature of `signingInput` under the private `key` (RFC 7515 §5.1 step 5); the caller has checked {@link keyFitsAlgorithm}. */
export function createSignature(alg: string, key: KeyObject, signingInput: string): Buffer {
  const spec = ALGORITHMS[alg]!;
  const data = Buffer.from(signingInput, 'latin1');
  if (spec.keyType === 'ec') return sign(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' });
  if (spec.pss) return sign(spec.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  return sign(spec.hash, data, key);
}

/**
 * Whether `signature` is `alg`'s signature of `signingInput` (the ASCII of `header.payload`, RFC
 * 7515 §5.2 step 8) under `key`. The caller has checked {@link keyFitsAlgorithm}.
 */
export function signatureValid(alg: string, key: KeyObject, signingInput: string, signature: Buffer): boolean {
  const spec = ALGORITHMS[alg];
  if (spec === undefined) return false;
  const data = Buffer.from(signingInput, 'latin1');
  if (spec.keyType === 'ec') {
    // RFC 7518 §3.4: R || S, each as long as the curve's order; any other length is no signature
    if (signature.length !== spec.signatureLength) return false;
    // the DER form with a bare KeyObject: a third less CPU than node's `dsaEncoding: 'ieee-p1363'` option
    return verify(spec.hash, data, key, derSignature(signature));
  }
  if (spec.pss) {
    return verify(spec.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
  }
  return verify(spec.hash, data, key, signature);
}

/** An ECDSA signature R || S (RFC 7518 §3.4) as DER `SEQUENCE { INTEGER r, INTEGER s }` (RFC 3279 §2.2.3). */
export function derSignature(p1363: Buffer): Buffer {
  const half = p1363.length / 2;
  const r = derInteger(p1363.subarray(0, half));
  const s = derInteger(p1363.subarray(half));
  const length = r.length + s.length;
  // X.690 §8.1.3: the long form from 128 bytes on (P-521)
  const header = length < 0x80 ? Buffer.from([0x30, length]) : Buffer.from([0x30, 0x81, length]);
  return Buffer.concat([header, r, s]);
}

// X.690 §8.3: the shortest two's-complement form of an unsigned big-endian integer
function derInteger(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const value = unsigned.subarray(start);
  const pad = value[0]! & 0x80 ? 1 : 0;
  const out = Buffer.alloc(2 + pad + value.length);
  out[0] = 0x02;
  out[1] = pad + value.length;
  value.copy(out, 2 + pad);
  return out;
}
