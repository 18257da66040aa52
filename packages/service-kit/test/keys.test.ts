import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { loadConfig, withSecretFiles } from '../src/config.ts';
import { loadSigningKey } from '../src/keys.ts';
import { z } from 'zod';

async function privateJwk(kid: string) {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid };
}

const sign = (key: Awaited<ReturnType<typeof loadSigningKey>>, kid = key.kid) =>
  new SignJWT({ sub: 's' }).setProtectedHeader({ alg: 'ES256', kid }).setIssuedAt().setExpirationTime('1m').sign(key.privateKey);

describe('signing keys from configuration (docs/decisions.md I78)', () => {
  it('signs with the first key of a private JWKS, publishes every key without private parts, and accepts each', async () => {
    const [fresh, old] = [await privateJwk('2026-12'), await privateJwk('2026-06')];
    const keys = await loadSigningKey(JSON.stringify({ keys: [fresh, old] }));
    expect(keys.kid).toBe('2026-12');
    expect(keys.generated).toBe(false);
    expect(keys.jwks.map((k) => k.kid)).toEqual(['2026-12', '2026-06']);
    expect(keys.jwks.every((k) => k.d === undefined && k.use === 'sig' && k.alg === 'ES256')).toBe(true);
    expect(keys.privateJwks.map((k) => k.kid)).toEqual(['2026-12', '2026-06']);
    // a token signed before the rotation, by the key now second, still verifies
    const before = await loadSigningKey(JSON.stringify(old));
    await expect(jwtVerify(await sign(before), keys.verifyKey)).resolves.toBeDefined();
    await expect(jwtVerify(await sign(keys), keys.verifyKey)).resolves.toBeDefined();
    const stranger = await loadSigningKey(JSON.stringify(await privateJwk('2026-06')));
    await expect(jwtVerify(await sign(stranger), keys.verifyKey)).rejects.toThrow();
  });

  it('makes one up only when none is configured, and says so', async () => {
    const made = await loadSigningKey();
    expect(made.generated).toBe(true);
    expect(made.jwks).toHaveLength(1);
  });

  it('refuses a public key and a kid used twice', async () => {
    const jwk = await privateJwk('a');
    const { d: _d, ...publicOnly } = jwk;
    await expect(loadSigningKey(JSON.stringify(publicOnly))).rejects.toThrow(/private JWK/);
    await expect(loadSigningKey(JSON.stringify({ keys: [jwk, await privateJwk('a')] }))).rejects.toThrow(/kid a appears twice/);
  });
});

describe('keys and secrets from files (<NAME>_FILE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'koppelmij-secrets-'));
  const file = join(dir, 'cookie-keys');
  writeFileSync(file, 'key-one-0123456789,key-two-0123456789\n');
  const schema = z.object({ COOKIE_KEYS: z.string().optional() });

  it('reads the file into the variable, without the trailing newline', () => {
    expect(loadConfig(schema, { COOKIE_KEYS_FILE: file })).toEqual({ COOKIE_KEYS: 'key-one-0123456789,key-two-0123456789' });
  });

  it('refuses both forms at once, and a file it cannot read, naming the variable', () => {
    expect(() => withSecretFiles({ COOKIE_KEYS: 'x', COOKIE_KEYS_FILE: file })).toThrow(/COOKIE_KEYS: set either COOKIE_KEYS or COOKIE_KEYS_FILE/);
    expect(() => withSecretFiles({ COOKIE_KEYS_FILE: join(dir, 'missing') })).toThrow(/COOKIE_KEYS_FILE: cannot read .*ENOENT/);
  });

  it('leaves other *_FILE variables alone', () => {
    expect(withSecretFiles({ REGISTRATIONS_FILE: 'deploy/demo/registrations.json' })).toEqual({ REGISTRATIONS_FILE: 'deploy/demo/registrations.json' });
  });
});
