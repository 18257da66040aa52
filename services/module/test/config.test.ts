import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildModule, loadModuleConfig, parseRegistrations } from '../src/index.ts';

const config = loadModuleConfig({ LOG_LEVEL: 'silent' });
const demo = JSON.parse(readFileSync(config.registrationsPath, 'utf8')) as { modules: Array<Record<string, unknown>> };

describe('loadModuleConfig', () => {
  it('applies the defaults of docs/architecture.md; the trusted iss are the DVA FHIR base and the PGO FHIR base (options 2a/2b)', () => {
    expect(config).toMatchObject({
      port: 4300,
      host: '127.0.0.1',
      publicUrl: 'http://module.localhost:4300',
      trustedIssuers: ['http://fhir.localhost:4200/fhir', 'http://pgo.localhost:4000/fhir'],
      store: 'memory',
    });
    expect(config.registrationsPath).toMatch(/deploy\/demo\/registrations\.json$/);
  });

  it('reads TRUSTED_ISSUERS as a list and drops trailing slashes', () => {
    const c = loadModuleConfig({ TRUSTED_ISSUERS: 'http://fhir.localhost:4200/fhir/, http://pgo.localhost:4000/fhir' });
    expect(c.trustedIssuers).toEqual(['http://fhir.localhost:4200/fhir', 'http://pgo.localhost:4000/fhir']);
  });

  it('fails fast, naming the variable', () => {
    expect(() => loadModuleConfig({ TRUSTED_ISSUERS: 'not a url' })).toThrow(/TRUSTED_ISSUERS/);
    expect(() => loadModuleConfig({ STORE: 'postgres://x' })).toThrow(/STORE/);
    expect(() => loadModuleConfig({ COOKIE_SECRET: 'short' })).toThrow(/COOKIE_SECRET/);
  });
});

describe('registrations', () => {
  const parse = (modules: Array<Record<string, unknown>>) => parseRegistrations({ modules }, config.placeholders, config.publicUrl);

  it('reads every module identity of the demo file, with its client authentication and result', () => {
    const registrations = parse(demo.modules);
    expect(registrations.map((r) => r.clientId)).toEqual(['module-3a', 'module-3a-secret', 'module-1', 'module-2a', 'module-2b', 'module-3b', 'module-s', 'module-ps']);
    expect(registrations[0]).toMatchObject({ redirectUri: 'http://module.localhost:4300/m/module-3a/callback', auth: { method: 'private_key_jwt' }, result: 'observation' });
    expect(registrations[1]).toMatchObject({ auth: { method: 'client_secret_basic' }, result: 'questionnaire-response' });
    expect(registrations.at(-1)).toMatchObject({ clientId: 'module-ps', pgoDomain: true, standalone: false }); // level PS
  });

  it('ignores another vendor’s module (its launch_url elsewhere) and serves its own (docs/decisions.md I105)', () => {
    const elsewhere = { ...demo.modules[0], client_id: 'vendor-app', launch_url: 'http://app.vendor.test/launch', redirect_uris: ['http://app.vendor.test/'], token_endpoint_auth_method: 'none' };
    expect(parse([elsewhere, demo.modules[0]!]).map((r) => r.clientId)).toEqual(['module-3a']);
    expect(() => parse([elsewhere])).toThrow(/no module/);
  });

  it('refuses an entry below this service whose launch_url is not the route it serves', () => {
    expect(() => parse([{ ...demo.modules[0], launch_url: 'http://module.localhost:4300/elsewhere/launch' }])).toThrow(/launch_url/);
  });

  it('refuses an entry without this service’s callback among its redirect_uris', () => {
    expect(() => parse([{ ...demo.modules[0], redirect_uris: ['http://module.localhost:4300/other'] }])).toThrow(/redirect_uris/);
  });

  it('refuses client_secret_basic without a secret, and an unknown placeholder', () => {
    expect(() => parse([{ ...demo.modules[1], client_secret: undefined }])).toThrow(/client_secret/);
    expect(() => parse([{ ...demo.modules[0], scope: '{{NOPE}}' }])).toThrow(/NOPE/);
  });

  it('refuses client_secret_post, which this service does not send', () => {
    expect(() => parse([{ ...demo.modules[1], token_endpoint_auth_method: 'client_secret_post' }])).toThrow(/token_endpoint_auth_method/);
  });

  it('refuses a scope that can record nothing, and a duplicate client_id', () => {
    expect(() => parse([{ ...demo.modules[0], scope: 'launch patient/*.read' }])).toThrow(/scope/);
    expect(() => parse([demo.modules[0]!, demo.modules[0]!])).toThrow(/twice/);
  });
});

describe('GET /jwks and GET /', () => {
  let app: FastifyInstance;
  afterEach(() => app.close());

  it('publishes the public signing key only, with its kid (RFC 7517 §5)', async () => {
    app = await buildModule(config);
    const { keys } = (await app.inject('/jwks')).json() as { keys: Array<Record<string, unknown>> };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys[0]!.kid).toBeTypeOf('string');
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('lists the module identities', async () => {
    app = await buildModule(config);
    const page = await app.inject('/');
    expect(page.statusCode).toBe(200);
    for (const m of demo.modules) expect(page.body).toContain(String(m.client_id));
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
