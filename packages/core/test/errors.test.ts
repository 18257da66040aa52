import { describe, expect, it } from 'vitest';
import {
  AccessDenied, FhirError, InsufficientScope, InvalidClient, InvalidDpopProof, InvalidGrant, InvalidRequest, InvalidScope,
  InvalidTarget, InvalidToken, OAuthError, StepUpRequired, UnauthorizedClient, UnsupportedGrantType, UseDpopNonce,
  operationOutcome, wwwAuthenticate,
} from '../src/errors/index.ts';
import { MemoryStore, RedisStore, createStore } from '../src/store/index.ts';
import { randomToken } from '../src/util/index.ts';

describe('OAuthError', () => {
  it.each([
    [new InvalidRequest(), 'invalid_request', 400],
    [new InvalidClient(), 'invalid_client', 401],
    [new InvalidGrant(), 'invalid_grant', 400],
    [new UnauthorizedClient(), 'unauthorized_client', 400],
    [new UnsupportedGrantType(), 'unsupported_grant_type', 400],
    [new InvalidScope(), 'invalid_scope', 400],
    [new AccessDenied(), 'access_denied', 403],
    [new InvalidTarget(), 'invalid_target', 400],
    [new InvalidDpopProof(), 'invalid_dpop_proof', 400],
    [new InvalidToken(), 'invalid_token', 401],
    [new InsufficientScope(), 'insufficient_scope', 403],
    [new StepUpRequired(), 'step_up_required', 400],
    [new OAuthError('server_error'), 'server_error', 500],
  ])('%o carries its RFC code and default status', (error, code, status) => {
    expect(error).toBeInstanceOf(OAuthError);
    expect(error.error).toBe(code);
    expect(error.status).toBe(status);
    expect(error.toJSON()).toEqual({ error: code });
    expect(error.name).toBe(error.constructor.name);
  });

  it('serialises RFC 6749 §5.2 JSON with a description, and honours a status override', () => {
    const e = new InvalidDpopProof('DPoP proof replayed', { status: 401 });
    expect(e.toJSON()).toEqual({ error: 'invalid_dpop_proof', error_description: 'DPoP proof replayed' });
    expect(e.status).toBe(401);
  });

  it('builds RFC 9449 §7.1 / RFC 6750 §3 challenges, dropping quote characters from values', () => {
    expect(new InvalidToken('bad "token"').toWwwAuthenticate('DPoP', { algs: ['ES256', 'EdDSA'], realm: 'fhir' })).toBe(
      'DPoP realm="fhir", error="invalid_token", error_description="bad token", algs="ES256 EdDSA"',
    );
    expect(new InsufficientScope().toWwwAuthenticate('Bearer', { algs: ['ES256'] })).toBe('Bearer error="insufficient_scope"');
    expect(wwwAuthenticate('DPoP', {})).toBe('DPoP');
    expect(wwwAuthenticate('Bearer', { scope: 'patient/Task.rs' })).toBe('Bearer scope="patient/Task.rs"');
  });

  it('UseDpopNonce carries the fresh nonce for the DPoP-Nonce header (RFC 9449 §8)', () => {
    const e = new UseDpopNonce('n-1', { status: 401, description: 'Resource server requires nonce in DPoP proof' });
    expect(e).toMatchObject({ error: 'use_dpop_nonce', dpopNonce: 'n-1', status: 401, error_description: 'Resource server requires nonce in DPoP proof' });
    expect(new UseDpopNonce('n-2').status).toBe(400);
  });
});

describe('OperationOutcome', () => {
  it('builds an R4 OperationOutcome', () => {
    expect(operationOutcome('security', 'identity check required')).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'security', diagnostics: 'identity check required' }],
    });
    expect(operationOutcome('not-found', undefined, 'warning')).toEqual({ resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'not-found' }] });
  });

  it('FhirError carries its status and outcome', () => {
    const e = new FhirError(422, 'business-rule', 'transition not allowed');
    expect(e.status).toBe(422);
    expect(e.outcome.issue[0]).toEqual({ severity: 'error', code: 'business-rule', diagnostics: 'transition not allowed' });
  });
});

describe('createStore and randomToken', () => {
  it('creates the embedded default or a Redis store, and refuses anything else', async () => {
    expect(createStore()).toBeInstanceOf(MemoryStore);
    const redis = createStore('redis://127.0.0.1:1/0', { prefix: 'x:' });
    expect(redis).toBeInstanceOf(RedisStore);
    (redis as RedisStore).redis.on('error', () => {});
    await redis.close();
    expect(() => createStore('postgres://x')).toThrow(/memory.*redis/);
  });

  it('gives at least 128 bits', () => {
    expect(randomToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(() => randomToken(8)).toThrow(RangeError);
  });
});
