import { describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_ASSERTION_ALGORITHMS, DPOP_ALGORITHMS, ID_TOKEN_ALGORITHMS, OAUTH_SERVER_METADATA_MEMBERS, advertisedSupport, clientCapabilities, oauthServerMetadata } from '../src/index.ts';

describe('advertisedSupport (docs/decisions.md I102)', () => {
  it('lists exactly the methods in use, in a fixed order, with the algorithms of docs/decisions-protocol.md D2', () => {
    expect(advertisedSupport(['none', 'private_key_jwt', 'private_key_jwt'])).toEqual({
      token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
      token_endpoint_auth_signing_alg_values_supported: [...DEFAULT_CLIENT_ASSERTION_ALGORITHMS],
      dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
      code_challenge_methods_supported: ['S256'],
    });
  });

  it('names no assertion algorithms without private_key_jwt (RFC 8414 §2)', () => {
    expect(advertisedSupport(['client_secret_basic'])).not.toHaveProperty('token_endpoint_auth_signing_alg_values_supported');
  });

  it('offers RS256 id_tokens first (SMART sso-openid-connect; I103)', () => {
    expect(ID_TOKEN_ALGORITHMS[0]).toBe('RS256');
  });
});

describe('clientCapabilities', () => {
  it('maps methods to SMART client capabilities', () => {
    expect(clientCapabilities(['none'])).toEqual(['client-public']);
    expect(clientCapabilities(['client_secret_post', 'private_key_jwt'])).toEqual(['client-confidential-symmetric', 'client-confidential-asymmetric']);
    expect(clientCapabilities([])).toEqual([]);
  });
});

describe('oauthServerMetadata (RFC 8414 §2)', () => {
  const discovery = { issuer: 'https://as.example', jwks_uri: 'https://as.example/jwks', scopes_supported: ['openid', 'launch'], grant_types_supported: ['authorization_code', 'refresh_token'], claims_supported: ['sub'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['ES256'], dpop_signing_alg_values_supported: ['ES256'] };

  it('keeps RFC 8414 members only, takes `supported` over the discovery document, and leaves out what it sets to undefined', () => {
    expect(oauthServerMetadata(discovery, { scopes_supported: ['launch'], grant_types_supported: ['authorization_code'], capabilities: ['launch-ehr'], jwks_uri: undefined })).toEqual({
      issuer: 'https://as.example', scopes_supported: ['launch'], grant_types_supported: ['authorization_code'], dpop_signing_alg_values_supported: ['ES256'],
    });
  });

  it('lists no OpenID Connect Discovery member', () => {
    expect(OAUTH_SERVER_METADATA_MEMBERS).not.toContain('claims_supported');
    expect(OAUTH_SERVER_METADATA_MEMBERS).not.toContain('id_token_signing_alg_values_supported');
  });
});
