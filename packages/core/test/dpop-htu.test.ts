/**
 * RFC 9449 §4.3 (9): htu comparison after RFC 3986 §6.2.2 / §6.2.3 normalization (docs/security-checklists.md §1.1 (9)).
 */
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { DPOP_ERRORS, generateDpopKey, normalizeHtu, verifyDpopProof, type DpopKey } from '../src/dpop/index.ts';
import { InvalidDpopProof } from '../src/errors/index.ts';
import { MemoryStore } from '../src/store/index.ts';
import { randomToken, systemClock } from '../src/util/index.ts';

describe('normalizeHtu', () => {
  it.each([
    ['HTTPS://Example.COM:443/a/./b', 'https://example.com/a/b'], // §6.2.2.1 case, §6.2.3 default port, §6.2.2.3 dot-segments
    ['http://example.com:80/a/b/../c', 'http://example.com/a/c'],
    ['https://example.com/%7e/x', 'https://example.com/~/x'], // §6.2.2.2 unreserved decoded
    ['https://example.com/%7E/x', 'https://example.com/~/x'],
    ['https://example.com/a%2fb', 'https://example.com/a%2Fb'], // §6.2.2.1 reserved stays encoded, hex upper-cased
    ['https://example.com', 'https://example.com/'], // §6.2.3 empty path
    ['https://example.com/a?x=1#frag', 'https://example.com/a'], // query and fragment ignored
    ['https://example.com:8443/a', 'https://example.com:8443/a'], // a non-default port is kept
  ])('%s → %s', (input, expected) => {
    expect(normalizeHtu(input)).toBe(expected);
  });

  it('keeps a non-empty trailing slash significant', () => {
    expect(normalizeHtu('https://example.com/a/')).not.toBe(normalizeHtu('https://example.com/a'));
  });

  it.each([
    ['relative', '/token'],
    ['not http(s)', 'ftp://example.com/a'],
    ['userinfo', 'https://user@example.com/a'],
    ['non-ASCII', 'https://example.com/ä'],
    ['a backslash', 'https://example.com\\a'],
    ['a space', 'https://example.com/a b'],
  ])('rejects %s', (_, input) => {
    expect(() => normalizeHtu(input)).toThrow(TypeError);
  });
});

describe('verifyDpopProof compares normalized htu', () => {
  let key: DpopKey;
  beforeAll(async () => {
    key = await generateDpopKey();
  });

  // The raw claim is signed as given (createDpopProof would already normalize through URL).
  const proofWithHtu = (htu: string) =>
    new SignJWT({ jti: randomToken(), htm: 'POST', htu, iat: systemClock() })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.publicJwk })
      .sign(key.privateKey);
  const verify = async (claimed: string, expected: string) =>
    verifyDpopProof(await proofWithHtu(claimed), { htm: 'POST', htu: expected, store: new MemoryStore() });

  it.each([
    ['HTTPS://Example.COM:443/a/./b', 'https://example.com/a/b'],
    ['https://example.com/%7e', 'https://example.com/%7E'],
    ['https://example.com/a?query=1', 'https://example.com/a'],
    ['https://example.com/a', 'https://example.com/a?from=config'],
  ])('%s matches %s', async (claimed, expected) => {
    await expect(verify(claimed, expected)).resolves.toMatchObject({ htu: claimed });
  });

  it.each([
    ['trailing slash', 'https://example.com/a/', 'https://example.com/a'],
    ['other port', 'https://example.com:8443/a', 'https://example.com/a'],
    ['other scheme', 'http://example.com/a', 'https://example.com/a'],
    ['path case', 'https://example.com/A', 'https://example.com/a'],
    ['not a URI', 'https://example.com/a b', 'https://example.com/a'],
  ])('%s does not match', async (_, claimed, expected) => {
    const error = await verify(claimed, expected).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidDpopProof);
    expect(error).toMatchObject({ error: 'invalid_dpop_proof', error_description: DPOP_ERRORS.htu, status: 400 });
  });
});
