import { calculateJwkThumbprint, createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK, type JWTVerifyGetKey } from 'jose';

/**
 * A service's signing key, and the key set it belongs to (docs/decisions.md I78): the first key of
 * the configured private JWKS signs; every key of the set is published and accepted, so a key can be
 * rotated in (published second, then moved first) and out (kept until its tokens expired).
 */
export interface SigningKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** Private JWK of the signing key. */
  privateJwk: JWK;
  publicJwk: JWK;
  kid: string;
  alg: string;
  /** Private JWKs of the whole set, the signing key first: oidc-provider's `jwks` option. */
  privateJwks: JWK[];
  /** Public JWKs of the whole set, the signing key first: what `/jwks` publishes. */
  jwks: JWK[];
  /** Verifies a signature by any key of the set (by `kid`). */
  verifyKey: JWTVerifyGetKey;
  /** True when no key was configured and this one was made for this process (demo only). */
  generated: boolean;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

function publicPart(jwk: JWK): JWK {
  const pub: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete pub[member];
  return pub as JWK;
}

/**
 * The signing keys from configuration: a private JWKS (`{"keys":[…]}`, the first key signs) or one
 * private JWK, as JSON text (e.g. `SIGNING_JWKS`, or the file named by `SIGNING_JWKS_FILE`). Without
 * any, a fresh key for this process: fine for the one-process demo, refused in production
 * (docs/decisions.md I80). Keys without `kid` get their RFC 7638 thumbprint.
 *
 * @throws Error when the text is no private JWK(S), or two keys share a `kid`
 */
export async function loadSigningKey(json?: string, alg = 'ES256'): Promise<SigningKey> {
  let jwks: JWK[];
  if (json) {
    const parsed = JSON.parse(json) as JWK | { keys?: JWK[] };
    jwks = 'keys' in parsed && Array.isArray(parsed.keys) ? parsed.keys : [parsed as JWK];
  } else {
    const pair = await generateKeyPair(alg, { extractable: true });
    jwks = [await exportJWK(pair.privateKey)];
  }
  if (jwks.length === 0 || jwks.some((k) => typeof k.d !== 'string')) throw new Error('signing keys: every key must be a private JWK');
  const privateJwks = await Promise.all(jwks.map(async (k) => ({ ...k, kid: k.kid ?? (await calculateJwkThumbprint(k)), alg: k.alg ?? alg, use: 'sig' })));
  const kids = privateJwks.map((k) => k.kid);
  const dupe = kids.find((kid, i) => kids.indexOf(kid) !== i);
  if (dupe) throw new Error(`signing keys: kid ${dupe} appears twice`);
  const privateJwk = privateJwks[0]!;
  const publicJwk = publicPart(privateJwk);
  const publicJwks = privateJwks.map(publicPart);
  return {
    privateKey: (await importJWK(privateJwk, privateJwk.alg)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, privateJwk.alg)) as CryptoKey,
    privateJwk,
    publicJwk,
    kid: privateJwk.kid,
    alg: privateJwk.alg,
    privateJwks,
    jwks: publicJwks,
    verifyKey: createLocalJWKSet({ keys: publicJwks }),
    generated: !json,
  };
}
