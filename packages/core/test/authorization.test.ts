import { describe, expect, it } from 'vitest';
import {
  AuthorizationErrorResponse, AuthorizationResponseError, InvalidAuthorizationResponse, IssuerMismatch, IssuerMissing, StateMismatch,
  authorizationResponseState, authorizationUrl, createPkce, readAuthorizationResponse, startAuthorization,
} from '../src/authorization/index.ts';
import { oauthErrorCode, oauthErrorDescription } from '../src/errors/index.ts';
import { sha256b64url } from '../src/util/index.ts';

const ISSUER = 'https://as.example';
const expected = { state: 's-1', issuer: ISSUER, issRequired: true };
const read = (query: string, options: Partial<typeof expected> = {}) => readAuthorizationResponse(new URLSearchParams(query), { ...expected, ...options });
const refusal = (fn: () => unknown): AuthorizationResponseError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof AuthorizationResponseError) return error;
    throw error;
  }
  throw new Error('no refusal');
};

describe('readAuthorizationResponse', () => {
  it('returns the code, state and iss of a good response', () => {
    expect(read(`code=c&state=s-1&iss=${encodeURIComponent(ISSUER)}`)).toEqual({ code: 'c', state: 's-1', iss: ISSUER });
  });

  it('reads a parsed query object as well', () => {
    expect(readAuthorizationResponse({ code: 'c', state: 's-1', iss: ISSUER }, expected)).toEqual({ code: 'c', state: 's-1', iss: ISSUER });
  });

  it.each([
    ['no state', `code=c&iss=${ISSUER}`, StateMismatch, 'state_mismatch'],
    ['an empty state', `code=c&state=&iss=${ISSUER}`, StateMismatch, 'state_mismatch'],
    ['another state', `code=c&state=s-2&iss=${ISSUER}`, StateMismatch, 'state_mismatch'],
    ['a longer state', `code=c&state=s-10&iss=${ISSUER}`, StateMismatch, 'state_mismatch'],
    ['another issuer (RFC 9207 §2.4)', 'code=c&state=s-1&iss=https%3A%2F%2Fevil.example', IssuerMismatch, 'issuer_mismatch'],
    ['the issuer with a trailing slash', `code=c&state=s-1&iss=${ISSUER}/`, IssuerMismatch, 'issuer_mismatch'],
    ['no iss where it is advertised', 'code=c&state=s-1', IssuerMissing, 'issuer_missing'],
    ['no code', `state=s-1&iss=${ISSUER}`, InvalidAuthorizationResponse, 'invalid_authorization_response'],
    ['two codes', `code=a&code=b&state=s-1&iss=${ISSUER}`, InvalidAuthorizationResponse, 'invalid_authorization_response'],
    ['two states', `code=c&state=s-1&state=s-1&iss=${ISSUER}`, InvalidAuthorizationResponse, 'invalid_authorization_response'],
    ['two issuers', `code=c&state=s-1&iss=${ISSUER}&iss=${ISSUER}`, InvalidAuthorizationResponse, 'invalid_authorization_response'],
    ['a code beside an error', `code=c&error=access_denied&state=s-1&iss=${ISSUER}`, InvalidAuthorizationResponse, 'invalid_authorization_response'],
  ])('refuses %s', (_name, query, type, code) => {
    const error = refusal(() => read(query));
    expect(error).toBeInstanceOf(type);
    expect(error.code).toBe(code);
    expect(error.name).toBe(type.name);
  });

  it('refuses a non-text value in a parsed query', () => {
    expect(refusal(() => readAuthorizationResponse({ code: { x: 1 }, state: 's-1', iss: ISSUER }, expected))).toBeInstanceOf(InvalidAuthorizationResponse);
    expect(refusal(() => readAuthorizationResponse({ code: 'c', state: ['s-1', 's-1'], iss: ISSUER }, expected))).toBeInstanceOf(InvalidAuthorizationResponse);
  });

  it('accepts a missing iss only where the metadata does not advertise it, and still compares a present one', () => {
    expect(read('code=c&state=s-1', { issRequired: false })).toEqual({ code: 'c', state: 's-1' });
    expect(refusal(() => read('code=c&state=s-1&iss=https%3A%2F%2Fevil.example', { issRequired: false }))).toBeInstanceOf(IssuerMismatch);
  });

  it('checks the issuer before reading an error: a foreign error response is a mix-up, not a refusal', () => {
    expect(refusal(() => read('error=access_denied&state=s-1&iss=https%3A%2F%2Fevil.example'))).toBeInstanceOf(IssuerMismatch);
  });

  it('returns the authorization server error as a typed error with its RFC 6749 code and description', () => {
    const error = refusal(() => read(`error=access_denied&error_description=No+thanks&state=s-1&iss=${ISSUER}`));
    expect(error).toBeInstanceOf(AuthorizationErrorResponse);
    expect(error).toMatchObject({ code: 'authorization_error', error: 'access_denied', error_description: 'No thanks' });
  });

  it('reduces an error that is not RFC 6749 syntax to invalid_request', () => {
    const error = refusal(() => read(`error=%3Cscript%3E%22&state=s-1&iss=${ISSUER}`));
    expect(error).toMatchObject({ error: 'invalid_request', error_description: undefined });
  });
});

describe('authorizationResponseState', () => {
  it('returns the one state, refuses none and two', () => {
    expect(authorizationResponseState({ state: 'abc' })).toBe('abc');
    expect(refusal(() => authorizationResponseState({}))).toBeInstanceOf(StateMismatch);
    expect(refusal(() => authorizationResponseState(new URLSearchParams('state=a&state=b')))).toBeInstanceOf(InvalidAuthorizationResponse);
  });
});

describe('startAuthorization', () => {
  it('creates state, an S256 PKCE pair (RFC 7636 §4.1, §4.2) and the request parameters', () => {
    const started = startAuthorization({ client_id: 'pgo', redirect_uri: 'https://pgo.example/cb', scope: 'openid', params: { prompt: 'login', launch: undefined } });
    expect(started.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(started.params).toEqual({
      response_type: 'code',
      client_id: 'pgo',
      redirect_uri: 'https://pgo.example/cb',
      scope: 'openid',
      state: started.state,
      code_challenge: sha256b64url(started.code_verifier),
      code_challenge_method: 'S256',
      prompt: 'login',
    });
    expect(started.nonce).toBeUndefined();
    expect(startAuthorization({ redirect_uri: 'x' }).state).not.toBe(started.state);
  });

  it('adds a nonce on request (OIDC Core §3.1.2.1), and never lets an extra parameter replace state or PKCE', () => {
    const started = startAuthorization({ redirect_uri: 'x', nonce: true, params: { state: 'forced', code_challenge_method: 'plain', nonce: 'n' } });
    expect(started.params.state).toBe(started.state);
    expect(started.params.code_challenge_method).toBe('S256');
    expect(started.params.nonce).toBe(started.nonce);
    expect(started.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('builds the URL and keeps the endpoint query (RFC 6749 §3.1)', () => {
    expect(authorizationUrl('https://as.example/authorize?tenant=1', { a: 'b c', state: 's' })).toBe('https://as.example/authorize?tenant=1&a=b+c&state=s');
  });

  it('createPkce: a fresh pair each time', () => {
    const a = createPkce();
    expect(a.code_challenge).toBe(sha256b64url(a.code_verifier));
    expect(createPkce().code_verifier).not.toBe(a.code_verifier);
  });
});

describe('oauthErrorCode (RFC 6749 Appendix A.7)', () => {
  it.each([
    ['access_denied', 'access_denied'],
    ['with space !#[]~', 'with space !#[]~'],
    ['', undefined],
    ['quote"', undefined],
    ['back\\slash', undefined],
    ['nl\n', undefined],
    ['é', undefined],
    ['x'.repeat(65), undefined],
    [42, undefined],
    [undefined, undefined],
  ])('%j → %j', (value, code) => {
    expect(oauthErrorCode(value)).toBe(code);
  });
});

describe('oauthErrorDescription (RFC 6749 Appendix A.8)', () => {
  it.each([
    ['the user did not consent', 'the user did not consent'],
    ['x'.repeat(200), 'x'.repeat(200)],
    ['x'.repeat(201), undefined],
    ['quote"', undefined],
    ['<script>', '<script>'], // the syntax allows it; pages escape what they show
    ['nl\n', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %j', (value, description) => {
    expect(oauthErrorDescription(value)).toBe(description);
  });
});
