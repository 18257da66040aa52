import { describe, expect, it } from 'vitest';
import { InvalidRequest, InvalidToken } from '../src/errors/index.ts';
import {
  MAX_ACT_DEPTH,
  TOKEN_TYPE,
  TOKEN_TYPE_N_A,
  actorChain,
  currentActor,
  delegate,
  tokenExchangeResponse,
  type ActClaim,
} from '../src/token-exchange/index.ts';

/** A chain of `depth` actors, actor-1 outermost. */
const chainOf = (depth: number): ActClaim | undefined =>
  Array.from({ length: depth }, (_, i) => `actor-${i + 1}`).reduceRight<ActClaim | undefined>((act, sub) => (act ? { sub, act } : { sub }), undefined);

describe('act claim (RFC 8693 §4.1)', () => {
  it('delegate puts the actor on top of a subject without act', () => {
    const subjectClaims: { sub: string; scope: string; act?: ActClaim } = { sub: 'patient-pseudonym', scope: 'launch' };
    expect(delegate(subjectClaims, { sub: 'module', client_id: 'module' })).toEqual({ sub: 'module', client_id: 'module' });
  });

  it('delegate nests prior actors three levels deep, current actor outermost', () => {
    const first = delegate({}, { sub: 'pgo' });
    const second = delegate({ act: first }, { sub: 'module-a', client_id: 'module-a' });
    const third = delegate({ act: second }, { sub: 'module-b' });
    expect(third).toEqual({ sub: 'module-b', act: { sub: 'module-a', client_id: 'module-a', act: { sub: 'pgo' } } });
    expect(actorChain({ act: third })).toEqual(['module-b', 'module-a', 'pgo']);
    expect(currentActor({ act: third })).toEqual({ sub: 'module-b' });
  });

  it('delegate carries only identity claims into act (RFC 8693 §4.1: exp, nbf, aud are not meaningful there)', () => {
    const act = { sub: 'pgo', exp: 1, aud: 'x', act: { sub: 'earlier', scope: 'y' } };
    const actor = { sub: 'module', client_id: 'module', cnf: { jkt: 'k' } } as { sub: string; client_id: string };
    expect(delegate({ act }, actor)).toEqual({ sub: 'module', client_id: 'module', act: { sub: 'pgo', act: { sub: 'earlier' } } });
  });

  it('delegate refuses a malformed act on the subject token → invalid_request (docs/decisions-protocol.md D5)', () => {
    for (const act of [null, 'pgo', [], { client_id: 'x' }, { sub: '' }, { sub: 'a', client_id: 3 }, { sub: 'a', act: { sub: 7 } }]) {
      expect(() => delegate({ act }, { sub: 'module' })).toThrow(InvalidRequest);
      expect(() => delegate({ act }, { sub: 'module' })).toThrow(expect.objectContaining({ error: 'invalid_request' }));
    }
  });

  it(`delegate refuses to grow a chain beyond ${MAX_ACT_DEPTH} actors`, () => {
    expect(actorChain({ act: delegate({ act: chainOf(MAX_ACT_DEPTH - 1) }, { sub: 'new' }) })).toHaveLength(MAX_ACT_DEPTH);
    expect(() => delegate({ act: chainOf(MAX_ACT_DEPTH) }, { sub: 'new' })).toThrow(InvalidRequest);
  });

  it('delegate requires an actor sub', () => {
    expect(() => delegate({}, { sub: '' })).toThrow(TypeError);
  });

  it('actorChain and currentActor are empty for a token without act', () => {
    expect(actorChain({})).toEqual([]);
    expect(currentActor({})).toBeUndefined();
  });

  it('currentActor drops the nested prior actors (they are informational only)', () => {
    expect(currentActor({ act: { sub: 'module', client_id: 'm', act: { sub: 'pgo' } } })).toEqual({ sub: 'module', client_id: 'm' });
  });

  it('actorChain and currentActor refuse a malformed or too deep act → invalid_token', () => {
    for (const claims of [{ act: { sub: 'a', act: 'b' } }, { act: 42 }, { act: chainOf(MAX_ACT_DEPTH + 1) }]) {
      expect(() => actorChain(claims)).toThrow(InvalidToken);
      expect(() => currentActor(claims)).toThrow(expect.objectContaining({ error: 'invalid_token' }));
    }
    expect(actorChain({ act: chainOf(MAX_ACT_DEPTH) })).toHaveLength(MAX_ACT_DEPTH);
  });
});

describe('tokenExchangeResponse (RFC 8693 §2.2.1)', () => {
  it('builds the W8 launch-code response', () => {
    const body = tokenExchangeResponse({ access_token: 'launch-code', issued_token_type: TOKEN_TYPE.LAUNCH_CODE, token_type: TOKEN_TYPE_N_A, expires_in: 180 });
    expect(body).toEqual({ access_token: 'launch-code', issued_token_type: 'urn:medmij:token-type:launch-code', token_type: 'N_A', expires_in: 180 });
  });

  it('joins a scope list and omits an empty one', () => {
    const base = { access_token: 'at', issued_token_type: TOKEN_TYPE.ACCESS_TOKEN, token_type: 'DPoP', expires_in: 300 };
    expect(tokenExchangeResponse({ ...base, scope: ['launch', 'patient/*.read'] }).scope).toBe('launch patient/*.read');
    expect(tokenExchangeResponse({ ...base, scope: 'launch' }).scope).toBe('launch');
    expect(tokenExchangeResponse({ ...base, scope: [] })).not.toHaveProperty('scope');
  });

  it('never passes a refresh_token through', () => {
    const input = { access_token: 'at', issued_token_type: TOKEN_TYPE.ACCESS_TOKEN, token_type: 'DPoP', expires_in: 300, refresh_token: 'rt' };
    expect(tokenExchangeResponse(input)).not.toHaveProperty('refresh_token');
  });

  it('requires issued_token_type and the other members', () => {
    const base = { access_token: 'at', issued_token_type: TOKEN_TYPE.ACCESS_TOKEN, token_type: 'DPoP', expires_in: 300 };
    expect(() => tokenExchangeResponse({ ...base, issued_token_type: '' })).toThrow(TypeError);
    expect(() => tokenExchangeResponse({ ...base, access_token: undefined as unknown as string })).toThrow(TypeError);
    expect(() => tokenExchangeResponse({ ...base, token_type: '' })).toThrow(TypeError);
    for (const expires_in of [0, -1, 1.5, Number.NaN]) expect(() => tokenExchangeResponse({ ...base, expires_in })).toThrow(TypeError);
  });
});
