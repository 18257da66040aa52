import { describe, expect, it } from 'vitest';
import { assertDeployable } from '../src/guardrails.ts';

const secrets = ['SIGNING_JWKS|SIGNING_JWK', 'COOKIE_KEYS', 'PSEUDONYM_SECRET'];
const real = { SIGNING_JWKS: '{"keys":[]}', COOKIE_KEYS: 'k'.repeat(32), PSEUDONYM_SECRET: 'p'.repeat(32) };
const check = (env: Record<string, string>, publicUrl = 'http://dva.localhost:4100', store = 'redis://redis:6379/0') =>
  () => assertDeployable('dva-auth', env, { publicUrl, secrets, store });

describe('production guardrails (docs/decisions.md I79, I80)', () => {
  it('refuses demo and missing secrets under NODE_ENV=production, naming each variable to set', () => {
    expect(check({ NODE_ENV: 'production', COOKIE_KEYS: 'k'.repeat(32), PSEUDONYM_SECRET: 'demo-pseudonym-secret-change-me' })).toThrow(
      /dva-auth refuses to start:\n {2}SIGNING_JWKS: .*set SIGNING_JWKS \(or SIGNING_JWKS_FILE\).*\n {2}PSEUDONYM_SECRET: /,
    );
  });

  it('refuses them with an https public URL too', () => {
    expect(check({}, 'https://dva.example.nl')).toThrow(/SIGNING_JWKS[\s\S]*COOKIE_KEYS[\s\S]*PSEUDONYM_SECRET/);
  });

  it('accepts real secrets (either name of an alias), and anything in a local http demo', () => {
    expect(check({ ...real, NODE_ENV: 'production' })).not.toThrow();
    expect(check({ ...real, SIGNING_JWKS: '', SIGNING_JWK: '{}', NODE_ENV: 'production' })).not.toThrow();
    expect(check({})).not.toThrow();
  });

  it('refuses STORE=memory for a service on its own unless ALLOW_MEMORY_STORE=true', () => {
    expect(check({}, 'http://dva.localhost:4100', 'memory')).toThrow(/STORE: "memory" keeps state in this process only/);
    expect(check({ ALLOW_MEMORY_STORE: 'true' }, 'http://dva.localhost:4100', 'memory')).not.toThrow();
  });
});
