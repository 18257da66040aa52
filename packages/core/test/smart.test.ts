import { describe, expect, it } from 'vitest';
import {
  InvalidSmartConfiguration,
  KOPPELMIJ_DVA_CAPABILITIES,
  smartConfiguration,
  type SmartConfigurationInput,
} from '../src/smart/index.ts';

const base = 'https://dva.example.nl';

/** The smallest input that satisfies every rule for the Koppelmij capability set. */
function input(overrides: Partial<SmartConfigurationInput> = {}): SmartConfigurationInput {
  return {
    issuer: base,
    jwks_uri: `${base}/jwks`,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    grant_types_supported: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange'],
    token_endpoint_auth_signing_alg_values_supported: ['ES256', 'RS384'],
    capabilities: [...KOPPELMIJ_DVA_CAPABILITIES],
    ...overrides,
  };
}

function expectInvalid(fn: () => unknown, field: string) {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(InvalidSmartConfiguration);
  expect(caught).toMatchObject({ field });
}

describe('KOPPELMIJ_DVA_CAPABILITIES', () => {
  it('is the docs/protocol.md §1.1 [impl] set: EHR launch, not the walkthrough standalone pair', () => {
    expect([...KOPPELMIJ_DVA_CAPABILITIES].sort()).toEqual(
      [
        'authorize-post',
        'client-confidential-asymmetric',
        'client-confidential-symmetric',
        'context-ehr-patient',
        'launch-ehr',
        'permission-patient',
        'permission-v1',
        'permission-v2',
        'sso-openid-connect',
      ].sort(),
    );
    expect(KOPPELMIJ_DVA_CAPABILITIES).not.toContain('launch-standalone');
  });
});

describe('smartConfiguration', () => {
  it('emits every given member in document order, with S256 as the only PKCE method', () => {
    const doc = smartConfiguration(
      input({
        token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
        registration_endpoint: `${base}/reg`,
        scopes_supported: ['launch', 'openid', 'fhirUser', 'patient/*.rs'],
        response_types_supported: ['code'],
        introspection_endpoint: `${base}/introspect`,
        revocation_endpoint: `${base}/revoke`,
        management_endpoint: `${base}/manage`,
        dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
        pushed_authorization_request_endpoint: `${base}/par`,
        associated_endpoints: [{ url: `${base}/fhir2`, capabilities: ['launch-ehr'] }],
        token_exchange_endpoint: `${base}/token`,
      }),
    );
    expect(Object.keys(doc)).toEqual([
      'issuer',
      'jwks_uri',
      'authorization_endpoint',
      'token_endpoint',
      'grant_types_supported',
      'token_endpoint_auth_methods_supported',
      'token_endpoint_auth_signing_alg_values_supported',
      'registration_endpoint',
      'scopes_supported',
      'response_types_supported',
      'introspection_endpoint',
      'revocation_endpoint',
      'management_endpoint',
      'code_challenge_methods_supported',
      'capabilities',
      'dpop_signing_alg_values_supported',
      'pushed_authorization_request_endpoint',
      'associated_endpoints',
      'token_exchange_endpoint',
    ]);
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    expect(doc.revocation_endpoint).toBe(`${base}/revoke`);
  });

  it('omits members that are undefined instead of serialising them', () => {
    const doc = smartConfiguration(input({ revocation_endpoint: undefined }));
    expect(doc).not.toHaveProperty('revocation_endpoint');
    expect(doc).not.toHaveProperty('registration_endpoint');
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('never advertises plain PKCE, whatever the input carries', () => {
    const sneaky = { ...input(), code_challenge_methods_supported: ['plain', 'S256'] } as SmartConfigurationInput;
    expect(smartConfiguration(sneaky).code_challenge_methods_supported).toEqual(['S256']);
  });

  it('requires authorization_endpoint', () => {
    expectInvalid(() => smartConfiguration(input({ authorization_endpoint: '' })), 'authorization_endpoint');
  });

  it('requires token_endpoint', () => {
    expectInvalid(() => smartConfiguration(input({ token_endpoint: undefined as unknown as string })), 'token_endpoint');
  });

  it('requires a non-empty grant_types_supported', () => {
    expectInvalid(() => smartConfiguration(input({ grant_types_supported: [] })), 'grant_types_supported');
  });

  it('requires capabilities', () => {
    expectInvalid(() => smartConfiguration(input({ capabilities: undefined as unknown as string[] })), 'capabilities');
  });

  it('requires issuer and jwks_uri with sso-openid-connect', () => {
    expectInvalid(() => smartConfiguration(input({ issuer: undefined })), 'issuer');
    expectInvalid(() => smartConfiguration(input({ jwks_uri: undefined })), 'jwks_uri');
  });

  it('does not require issuer without sso-openid-connect', () => {
    const doc = smartConfiguration(input({ issuer: undefined, jwks_uri: undefined, capabilities: ['launch-ehr'] }));
    expect(doc).not.toHaveProperty('issuer');
  });

  it('requires client assertion algorithms with client-confidential-asymmetric', () => {
    expectInvalid(
      () => smartConfiguration(input({ token_endpoint_auth_signing_alg_values_supported: undefined })),
      'token_endpoint_auth_signing_alg_values_supported',
    );
  });

  it('rejects none and HS* algorithms (docs/decisions-protocol.md D2)', () => {
    expectInvalid(
      () => smartConfiguration(input({ token_endpoint_auth_signing_alg_values_supported: ['ES256', 'none'] })),
      'token_endpoint_auth_signing_alg_values_supported',
    );
    expectInvalid(() => smartConfiguration(input({ dpop_signing_alg_values_supported: ['HS256'] })), 'dpop_signing_alg_values_supported');
  });

  it('rejects an endpoint that is not an absolute URL', () => {
    expectInvalid(() => smartConfiguration(input({ token_endpoint: '/token' })), 'token_endpoint');
  });

  it('rejects http: outside loopback unless allowHttp', () => {
    const plain = input({ revocation_endpoint: 'http://dva.example.nl/revoke' });
    expectInvalid(() => smartConfiguration(plain), 'revocation_endpoint');
    expect(smartConfiguration(plain, { allowHttp: true }).revocation_endpoint).toBe('http://dva.example.nl/revoke');
    expect(smartConfiguration(input({ revocation_endpoint: 'http://127.0.0.1:8080/revoke' })).revocation_endpoint).toBe(
      'http://127.0.0.1:8080/revoke',
    );
  });

  it('rejects other schemes even with allowHttp', () => {
    expectInvalid(() => smartConfiguration(input({ jwks_uri: 'ftp://dva.example.nl/jwks' }), { allowHttp: true }), 'jwks_uri');
  });

  it('rejects a fragment in an endpoint (RFC 8414 §2)', () => {
    expectInvalid(() => smartConfiguration(input({ token_endpoint: `${base}/token#x` })), 'token_endpoint');
  });

  it('rejects a query in the issuer (RFC 8414 §2) but not in other endpoints', () => {
    expectInvalid(() => smartConfiguration(input({ issuer: `${base}?tenant=1` })), 'issuer');
    expect(smartConfiguration(input({ authorization_endpoint: `${base}/authorize?x=1` })).authorization_endpoint).toContain('?x=1');
  });

  it('checks the url of each associated endpoint', () => {
    expectInvalid(
      () => smartConfiguration(input({ associated_endpoints: [{ url: 'not a url', capabilities: [] }] })),
      'associated_endpoints[0].url',
    );
  });
});
