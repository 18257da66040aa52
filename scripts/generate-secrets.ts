// Generates the keys and secrets of a deployment into deploy/secrets/ (or the directory given),
// one file per secret, as docker-compose.yml mounts them (docs/deploy.md "Keys and secrets").
//   node scripts/generate-secrets.ts [dir]                 creates what is missing, keeps what exists
//   node scripts/generate-secrets.ts [dir] --rotate NAME   puts a new signing key first in NAME.jwks.json
// Only node:crypto: no dependency to install. Never commit the output.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Private JWKS files: one per service that signs (the PGO's 2a/2b authorization server apart). */
const JWKS = ['dva-auth', 'digid-mock', 'pgo', 'pgo-as', 'module'] as const;

/** Random secrets, base64url of 32 bytes (RFC 9449 §8 nonce secrets need exactly that much). */
const SECRETS = [
  'dva-auth-cookie-keys',
  'dva-auth-dpop-nonce-secret',
  'dva-fhir-dpop-nonce-secret',
  'pseudonym-secret',
  'digid-client-secret',
  'digid-cookie-keys',
  'pgo-digid-client-secret',
  'pgo-cookie-secret',
  'pgo-as-dpop-nonce-secret',
  'module-cookie-secret',
  'postgres-password',
] as const;

const secret = () => randomBytes(32).toString('base64url');

/** A private ES256 JWK whose `kid` is its RFC 7638 thumbprint. */
function signingJwk(): Record<string, string> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>;
  const thumbprint = createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
  return { ...jwk, kid: thumbprint, alg: 'ES256', use: 'sig' };
}

/** The DVA's RSA key for RS256 id_tokens (SMART App Launch 2.x; docs/decisions.md I103), `kid` its RFC 7638 thumbprint. */
function idTokenJwk(): Record<string, string> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>;
  const thumbprint = createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })).digest('base64url');
  return { ...jwk, kid: thumbprint, alg: 'RS256', use: 'sig' };
}

const args = process.argv.slice(2);
const rotate = args.includes('--rotate') ? args[args.indexOf('--rotate') + 1] : undefined;
const dir = resolve(args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--rotate') ?? join(import.meta.dirname, '../deploy/secrets'));
mkdirSync(dir, { recursive: true });

function write(name: string, text: string): void {
  const path = join(dir, name);
  writeFileSync(path, `${text}\n`);
  // readable by the container's `node` user through the bind mount; keep the directory itself private
  chmodSync(path, 0o644);
  console.log(`wrote ${path}`);
}

if (rotate !== undefined) {
  if (!(JWKS as readonly string[]).includes(rotate)) throw new Error(`--rotate takes one of ${JWKS.join(', ')}`);
  const path = join(dir, `${rotate}.jwks.json`);
  const { keys } = JSON.parse(readFileSync(path, 'utf8')) as { keys: unknown[] };
  // the new key signs from the next start; the old ones stay published and accepted until removed by hand
  write(`${rotate}.jwks.json`, JSON.stringify({ keys: [signingJwk(), ...keys] }, null, 2));
} else {
  for (const name of JWKS) if (!existsSync(join(dir, `${name}.jwks.json`))) write(`${name}.jwks.json`, JSON.stringify({ keys: [signingJwk()] }, null, 2));
  if (!existsSync(join(dir, 'dva-auth-id-token.jwk.json'))) write('dva-auth-id-token.jwk.json', JSON.stringify(idTokenJwk(), null, 2));
  for (const name of SECRETS) if (!existsSync(join(dir, name))) write(name, secret());
  const url = join(dir, 'fhir-database-url');
  if (!existsSync(url)) write('fhir-database-url', `postgres://koppelmij:${readFileSync(join(dir, 'postgres-password'), 'utf8').trim()}@postgres:5432/koppelmij`);
}
