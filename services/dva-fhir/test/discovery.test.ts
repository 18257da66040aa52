import { KOPPELMIJ_DVA_CAPABILITIES } from '@koppelmij/core/smart';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDvaFhirConfig } from '../src/index.ts';
import { body, harness, issueCode, type Harness } from './support.ts';

describe('dva-fhir discovery (docs/protocol.md §1.1 Discovery; FHIR R4 §3.1.0.11)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  it('serves .well-known/smart-configuration without a token, pointing at the DVA AS', async () => {
    const response = await h.request('GET', '.well-known/smart-configuration');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const as = 'http://dva.localhost:4100';
    expect(body(response)).toMatchObject({
      issuer: as,
      jwks_uri: `${as}/jwks`,
      authorization_endpoint: `${as}/authorize`,
      token_endpoint: `${as}/token`,
      pushed_authorization_request_endpoint: `${as}/par`,
      revocation_endpoint: `${as}/revoke`,
      introspection_endpoint: `${as}/introspect`,
      code_challenge_methods_supported: ['S256'],
      capabilities: [...KOPPELMIJ_DVA_CAPABILITIES],
      dpop_signing_alg_values_supported: expect.arrayContaining(['ES256']),
      grant_types_supported: expect.arrayContaining(['authorization_code', 'urn:ietf:params:oauth:grant-type:token-exchange']),
      scopes_supported: expect.arrayContaining(['launch', 'openid', 'fhirUser', 'patient/*.read']),
    });
    expect(body(response).capabilities).toContain('launch-ehr');
  });

  it('serves a CapabilityStatement without a token, with the SMART oauth-uris', async () => {
    const response = await h.request('GET', 'metadata');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const statement = body(response) as {
      fhirVersion: string;
      rest: Array<{ security: { extension: Array<{ extension: Array<{ url: string; valueUri: string }> }> }; resource: Array<{ type: string; interaction: Array<{ code: string }>; searchParam: Array<{ name: string }> }> }>;
    };
    expect(statement).toMatchObject({ resourceType: 'CapabilityStatement', kind: 'instance', fhirVersion: '4.0.1' });
    const rest = statement.rest[0]!;
    expect(rest.security.extension[0]!.extension).toContainEqual({ url: 'token', valueUri: 'http://dva.localhost:4100/token' });
    const task = rest.resource.find((r) => r.type === 'Task')!;
    expect(task.interaction.map((i) => i.code)).toContain('patch');
    expect(task.searchParam.map((p) => p.name)).toEqual(expect.arrayContaining(['_id', 'owner', 'patient']));
    expect(rest.resource).toHaveLength(12); // the eleven of docs/protocol.md §6.5 and AuditEvent (docs/decisions.md I93)
    expect(rest.resource.find((r) => r.type === 'AuditEvent')!.interaction.map((i) => i.code)).toEqual(['read', 'search-type']);
  });

  it('answers an unknown path with a 404 OperationOutcome', async () => {
    const response = await h.request('GET', 'Task/task-3a/_history/1/extra');
    expect(response.statusCode).toBe(404);
    expect(issueCode(response)).toBe('not-found');
  });
});

describe('dva-fhir configuration', () => {
  it('defaults to the documented URLs and switches', () => {
    const config = loadDvaFhirConfig({});
    expect(config).toMatchObject({
      port: 4200,
      host: '127.0.0.1',
      fhirUrl: 'http://fhir.localhost:4200/fhir',
      authUrl: 'http://dva.localhost:4100',
      store: 'memory',
      dpopRequired: false,
      systemClients: ['dva-auth'],
      launchContextReferences: true,
    });
    expect(config.bundlePath).toMatch(/\/deploy\/demo\/fhir-bundle\.json$/);
  });

  it('drops a trailing slash from the FHIR base', () => {
    expect(loadDvaFhirConfig({ DVA_FHIR_URL: 'https://dva.example.nl/fhir/' }).fhirUrl).toBe('https://dva.example.nl/fhir');
  });

  it.each([
    ['DVA_FHIR_URL', 'ftp://x/fhir'],
    ['STORE', 'mongodb://x'],
    ['DPOP_REQUIRED', 'yes'],
    ['DPOP_NONCE_SECRET', 'c2hvcnQ'],
    ['TASK_TRANSITIONS', '{"requested":"completed"}'],
  ])('fails fast naming %s on a bad value', (name, value) => {
    expect(() => loadDvaFhirConfig({ [name]: value })).toThrow(new RegExp(`^invalid configuration:\\n  ${name}:`));
  });
});
