import { describe, expect, it } from 'vitest';
import { InvalidRequest, InvalidScope, InvalidTarget, UnsupportedGrantType, type OAuthError } from '../src/errors/index.ts';
import {
  GRANT_TYPE_TOKEN_EXCHANGE,
  TOKEN_TYPE,
  parseTokenExchangeRequest,
  type FormParameters,
  type TokenExchangePolicy,
} from '../src/token-exchange/index.ts';

/** 3a-W (docs/protocol.md §3.1.1 W7). */
const policy3aW: TokenExchangePolicy = {
  subjectTokenTypes: [TOKEN_TYPE.ACCESS_TOKEN],
  actorTokenTypes: [TOKEN_TYPE.LAUNCH_AUTHORIZATION_CODE],
  requestedTokenTypes: [TOKEN_TYPE.LAUNCH_CODE],
};

const w7 = (): Record<string, string | string[]> => ({
  grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
  subject_token: 'verzamelen-token',
  subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
  actor_token: 'launch-prep-code',
  actor_token_type: TOKEN_TYPE.LAUNCH_AUTHORIZATION_CODE,
  requested_token_type: TOKEN_TYPE.LAUNCH_CODE,
  client_id: 'pgo',
  audience: 'module-client',
  code_verifier: 'verifier-from-w1',
  resource: ['Task/456', 'Observation/789'],
});

/** The record as an `application/x-www-form-urlencoded` body, arrays as repeated parameters. */
const urlEncoded = (record: Record<string, string | string[]>) =>
  new URLSearchParams(Object.entries(record).flatMap(([name, v]) => (Array.isArray(v) ? v : [v]).map((value): [string, string] => [name, value])));

const W7_PARSED = {
  grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
  subject_token: 'verzamelen-token',
  subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
  actor_token: 'launch-prep-code',
  actor_token_type: TOKEN_TYPE.LAUNCH_AUTHORIZATION_CODE,
  requested_token_type: TOKEN_TYPE.LAUNCH_CODE,
  audience: ['module-client'],
  resource: ['Task/456', 'Observation/789'],
  extra: { client_id: 'pgo', code_verifier: 'verifier-from-w1' },
};

/** Runs the parser and returns what it threw, asserting the class and the RFC 6749 §5.2 `error` code. */
function rejection(params: FormParameters, cls: new (...a: never[]) => OAuthError, error: string, policy = policy3aW) {
  let thrown: unknown;
  try {
    parseTokenExchangeRequest(params, policy);
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(cls);
  expect(thrown).toMatchObject({ error });
  return thrown as OAuthError;
}

const without = (name: string) => {
  const form = w7();
  delete form[name];
  return form;
};

describe('parseTokenExchangeRequest: accepted requests', () => {
  it('reads the 3a-W W7 request from URLSearchParams, with repeated resource', () => {
    const body = urlEncoded(w7());
    expect(body.getAll('resource')).toHaveLength(2);
    expect(parseTokenExchangeRequest(body, policy3aW)).toEqual(W7_PARSED);
  });

  it('reads the same request from a record, as Fastify formbody gives it', () => {
    expect(parseTokenExchangeRequest(w7(), policy3aW)).toEqual(W7_PARSED);
  });

  it('always returns resource and audience as arrays, empty when absent', () => {
    const single = parseTokenExchangeRequest({ ...w7(), resource: 'Task/456' }, policy3aW);
    expect(single.resource).toEqual(['Task/456']);
    const none = parseTokenExchangeRequest(without('resource'), policy3aW);
    expect(none.resource).toEqual([]);
    expect(parseTokenExchangeRequest(without('audience'), policy3aW).audience).toEqual([]);
  });

  it('accepts a repeated audience (RFC 8693 §2.1)', () => {
    expect(parseTokenExchangeRequest({ ...w7(), audience: ['a', 'b'] }, policy3aW).audience).toEqual(['a', 'b']);
  });

  it('reads 3a-P without subject_token_type when the policy allows it (docs/protocol.md §3.1.2 step 2)', () => {
    const body = new URLSearchParams(
      `grant_type=${encodeURIComponent(GRANT_TYPE_TOKEN_EXCHANGE)}&subject_token=dva-at` +
        `&requested_token_type=${encodeURIComponent(TOKEN_TYPE.ACCESS_TOKEN)}` +
        '&audience=https%3A%2F%2Fdva.example.nl%2Ffhir&resource=Task%2F456&resource=Observation%2F789',
    );
    const policy3aP = { subjectTokenTypes: [TOKEN_TYPE.ACCESS_TOKEN], actorTokenTypes: [], requestedTokenTypes: [TOKEN_TYPE.ACCESS_TOKEN], requireSubjectTokenType: false };
    const request = parseTokenExchangeRequest(body, policy3aP);
    expect(request).toEqual({
      grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
      subject_token: 'dva-at',
      requested_token_type: TOKEN_TYPE.ACCESS_TOKEN,
      audience: ['https://dva.example.nl/fhir'],
      resource: ['Task/456', 'Observation/789'],
      extra: {},
    });
    expect(request).not.toHaveProperty('subject_token_type');
    expect(request).not.toHaveProperty('actor_token');
  });

  it('reads options 2a/2b, a module JWT assertion as actor_token (docs/protocol.md §3.3 step 9, §3.4 step 11)', () => {
    const policy2 = { subjectTokenTypes: [TOKEN_TYPE.ACCESS_TOKEN], actorTokenTypes: [TOKEN_TYPE.JWT], requestedTokenTypes: [TOKEN_TYPE.ACCESS_TOKEN] };
    const request = parseTokenExchangeRequest(
      {
        grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
        subject_token: 'temporary-token',
        subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
        actor_token: 'eyJhbGciOiJFUzI1NiJ9.eyJjbmYiOnt9fQ.sig',
        actor_token_type: TOKEN_TYPE.JWT,
        requested_token_type: TOKEN_TYPE.ACCESS_TOKEN,
        scope: 'patient/*.read launch patient/*.read',
      },
      policy2,
    );
    expect(request.actor_token).toBe('eyJhbGciOiJFUzI1NiJ9.eyJjbmYiOnt9fQ.sig');
    expect(request.actor_token_type).toBe(TOKEN_TYPE.JWT);
    expect(request.scope).toEqual(['patient/*.read', 'launch']);
  });

  it('leaves requested_token_type out when the client leaves it out (RFC 8693 §2.1 OPTIONAL)', () => {
    expect(parseTokenExchangeRequest(without('requested_token_type'), policy3aW)).not.toHaveProperty('requested_token_type');
  });

  it('treats a parameter without a value as omitted (RFC 6749 §3.1)', () => {
    const request = parseTokenExchangeRequest({ ...w7(), scope: '', return_url: '', resource: ['', 'Task/456'], state: undefined }, policy3aW);
    expect(request).not.toHaveProperty('scope');
    expect(request.extra).toEqual({ client_id: 'pgo', code_verifier: 'verifier-from-w1' });
    expect(request.resource).toEqual(['Task/456']);
  });

  it('accepts exactly maxResources values', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `Observation/${i}`);
    expect(parseTokenExchangeRequest({ ...w7(), resource: ten }, policy3aW).resource).toHaveLength(10);
  });
});

describe('parseTokenExchangeRequest: rejected requests', () => {
  it('a repeated single-valued parameter → invalid_request (RFC 6749 §3.1, docs/security-checklists.md §2 (1))', () => {
    const twice = urlEncoded(w7());
    twice.append('subject_token', 'another-token');
    const error = rejection(twice, InvalidRequest, 'invalid_request');
    expect(error.error_description).toBe('request parameters must not be repeated');
  });

  it('a repeated extra parameter → invalid_request', () => {
    rejection({ ...w7(), client_id: ['pgo', 'other'] }, InvalidRequest, 'invalid_request');
  });

  it('a repeated __proto__ parameter → invalid_request', () => {
    const body = urlEncoded(w7());
    body.append('__proto__', 'a');
    body.append('__proto__', 'b');
    rejection(body, InvalidRequest, 'invalid_request');
  });

  it('a value that is not a string → invalid_request', () => {
    const error = rejection({ ...w7(), code_verifier: 42 as unknown as string }, InvalidRequest, 'invalid_request');
    expect(error.error_description).toBe('request parameter is malformed');
    rejection({ ...w7(), resource: [{}] as unknown as string[] }, InvalidRequest, 'invalid_request');
  });

  it('no grant_type → invalid_request', () => {
    rejection(without('grant_type'), InvalidRequest, 'invalid_request');
  });

  it('another grant_type → unsupported_grant_type', () => {
    rejection({ ...w7(), grant_type: 'authorization_code' }, UnsupportedGrantType, 'unsupported_grant_type');
  });

  it('no subject_token → invalid_request (RFC 8693 §2.1)', () => {
    rejection(without('subject_token'), InvalidRequest, 'invalid_request');
  });

  it('no subject_token_type under the default policy → invalid_request (RFC 8693 §2.1)', () => {
    const error = rejection(without('subject_token_type'), InvalidRequest, 'invalid_request');
    expect(error.error_description).toBe('subject_token_type is missing');
  });

  it('actor_token without actor_token_type → invalid_request (RFC 8693 §2.1)', () => {
    rejection(without('actor_token_type'), InvalidRequest, 'invalid_request');
  });

  it('actor_token_type without actor_token → invalid_request (RFC 8693 §2.1)', () => {
    rejection(without('actor_token'), InvalidRequest, 'invalid_request');
  });

  it('a subject_token_type outside the allowlist → invalid_request (docs/security-checklists.md §2 (4))', () => {
    const error = rejection({ ...w7(), subject_token_type: TOKEN_TYPE.ID_TOKEN }, InvalidRequest, 'invalid_request');
    expect(error.error_description).toBe('subject_token_type is not supported');
  });

  it('an actor_token_type outside the allowlist → invalid_request (docs/security-checklists.md §2 (4))', () => {
    const error = rejection({ ...w7(), actor_token_type: TOKEN_TYPE.JWT }, InvalidRequest, 'invalid_request');
    expect(error.error_description).toBe('actor_token_type is not supported');
  });

  it('a requested_token_type outside the allowlist → invalid_request (docs/security-checklists.md §2 (7))', () => {
    const error = rejection({ ...w7(), requested_token_type: TOKEN_TYPE.REFRESH_TOKEN }, InvalidRequest, 'invalid_request');
    expect(error.error_description).toBe('requested_token_type is not supported');
  });

  it('more resources than maxResources → invalid_target (docs/security-checklists.md §2 (8))', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => `Observation/${i}`);
    rejection({ ...w7(), resource: eleven }, InvalidTarget, 'invalid_target');
    rejection({ ...w7() }, InvalidTarget, 'invalid_target', { ...policy3aW, maxResources: 1 });
  });

  it('a scope that is not RFC 6749 §3.3 syntax → invalid_scope', () => {
    rejection({ ...w7(), scope: 'launch  openid' }, InvalidScope, 'invalid_scope');
    rejection({ ...w7(), scope: 'launch "openid"' }, InvalidScope, 'invalid_scope');
  });

  it('never echoes request values in error_description', () => {
    const error = rejection({ ...w7(), subject_token_type: 'urn:attacker:<script>' }, InvalidRequest, 'invalid_request');
    expect(error.error_description).not.toContain('attacker');
    expect(JSON.stringify(error.toJSON())).not.toContain('verzamelen-token');
  });
});
