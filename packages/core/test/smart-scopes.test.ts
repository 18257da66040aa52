import { describe, expect, it } from 'vitest';
import {
  grantedInteractions,
  isSmartScopeString,
  parseScopeString,
  parseSmartScope,
  scopesAllow,
  type FhirInteraction,
  type ScopeRequest,
} from '../src/smart/index.ts';

const letters = (scope: string) => [...(parseSmartScope(scope)?.interactions ?? [])].join('');

describe('parseSmartScope', () => {
  it.each([
    ['patient/Observation.read', 'patient', 'Observation', 'rs', 1],
    ['patient/Observation.write', 'patient', 'Observation', 'cud', 1],
    ['user/*.*', 'user', '*', 'cruds', 1],
    ['patient/*.rs', 'patient', '*', 'rs', 2],
    ['system/Task.cruds', 'system', 'Task', 'cruds', 2],
    ['patient/Task.u', 'patient', 'Task', 'u', 2],
    ['user/Patient.cd', 'user', 'Patient', 'cd', 2],
  ] as const)('%s → %s %s %s (v%i)', (scope, context, resourceType, perms, version) => {
    expect(parseSmartScope(scope)).toMatchObject({ scope, context, resourceType, version });
    expect(letters(scope)).toBe(perms);
  });

  it('reads the granular query of a v2 scope', () => {
    const s = parseSmartScope('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory');
    expect(s?.query?.get('category')).toBe('http://terminology.hl7.org/CodeSystem/observation-category|laboratory');
    expect(s?.version).toBe(2);
  });

  it.each([
    ['launch', 'a context scope'],
    ['launch/patient', 'a context scope'],
    ['openid', 'an identity scope'],
    ['fhirUser', 'an identity scope'],
    ['offline_access', 'a refresh scope'],
    ['patient/Observation.sr', 'v2 letters out of order'],
    ['patient/Observation.rr', 'a repeated v2 letter'],
    ['patient/Observation.x', 'an unknown permission'],
    ['patient/Observation.', 'empty permissions'],
    ['patient/Observation', 'no permissions'],
    ['patient/.read', 'no resource type'],
    ['patient/observation.read', 'a lower-case resource type'],
    ['practitioner/Observation.read', 'an unknown context'],
    ['Patient/Observation.read', 'a capitalised context'],
    ['patient/Observation.read?category=laboratory', 'a query on a v1 scope'],
    ['patient/Observation.rs?', 'an empty query'],
    ['patient/Observation.rs?category', 'a parameter without value'],
    ['patient/Observation.rs?category=', 'an empty value'],
    ['patient/Observation.rs?=laboratory', 'an empty name'],
    ['patient/Observation.rs?a=1&&b=2', 'an empty pair'],
    ['patient/Observation.rs?code=a\\b', 'a character outside NQCHAR (RFC 6749 §3.3)'],
    ['patient/Observation.rs?code=a b', 'a space'],
    ['patient/Observation.toString', 'an inherited property name as permission'],
    ['', 'the empty string'],
  ])('rejects %j (%s)', (scope) => {
    expect(parseSmartScope(scope)).toBeUndefined();
    expect(isSmartScopeString(scope)).toBe(false);
  });

  it('returns undefined for non-string input', () => {
    expect(parseSmartScope(undefined as unknown as string)).toBeUndefined();
  });

  it('accepts granular scopes for listing to oidc-provider', () => {
    expect(isSmartScopeString('patient/Observation.rs?category=laboratory')).toBe(true);
    expect(isSmartScopeString('patient/*.cruds')).toBe(true);
  });
});

describe('parseScopeString', () => {
  it('sorts resource, known non-resource and invalid tokens', () => {
    const r = parseScopeString('launch openid fhirUser  patient/*.rs patient/Task.sr offline_access koppelmij:x patient/Task.u');
    expect(r.resources.map((s) => s.scope)).toEqual(['patient/*.rs', 'patient/Task.u']);
    expect(r.others).toEqual(['launch', 'openid', 'fhirUser', 'offline_access']);
    expect(r.invalid).toEqual(['patient/Task.sr', 'koppelmij:x']);
  });

  it('accepts extra non-resource scopes the server knows', () => {
    expect(parseScopeString('koppelmij:x launch', { known: ['koppelmij:x'] })).toMatchObject({ others: ['koppelmij:x', 'launch'], invalid: [] });
  });

  it('answers empty lists for an empty or non-string value', () => {
    expect(parseScopeString('')).toEqual({ resources: [], others: [], invalid: [] });
    expect(parseScopeString(undefined as unknown as string)).toEqual({ resources: [], others: [], invalid: [] });
  });
});

const q = (s: string) => new URLSearchParams(s);
const req = (interaction: FhirInteraction, resourceType = 'Observation', extra: Partial<ScopeRequest> = {}): ScopeRequest => ({
  interaction,
  resourceType,
  ...extra,
});

describe('scopesAllow', () => {
  it.each([
    ['patient/Observation.read', req('read'), true],
    ['patient/Observation.read', req('search'), true],
    ['patient/Observation.read', req('create'), false],
    ['patient/Observation.write', req('update'), true],
    ['patient/Observation.write', req('read'), false],
    ['patient/Observation.rs', req('read'), true],
    ['patient/Observation.r', req('search'), false],
    ['patient/Observation.s', req('read'), false],
    ['patient/Observation.c', req('create'), true],
    ['patient/Observation.cruds', req('delete'), true],
    ['patient/Observation.rs', req('read', 'Task'), false],
    ['patient/*.rs', req('read', 'Task'), true],
    ['patient/*.rs', req('update', 'Task'), false],
    ['patient/*.*', req('delete', 'Task'), true],
    ['user/Observation.rs', req('read'), false],
    ['user/Observation.rs', req('read', 'Observation', { context: 'user' }), true],
    ['patient/Observation.rs', req('read', 'Observation', { context: 'user' }), false],
    ['system/*.rs', req('read', 'Observation', { context: 'system' }), true],
    ['launch openid fhirUser', req('read'), false],
    ['patient/Observation.sr', req('read'), false],
  ] as const)('%s allows %j: %s', (scopes, request, allowed) => {
    expect(scopesAllow(scopes, request)).toBe(allowed);
  });

  it('combines scopes from a string or an array', () => {
    expect(scopesAllow('launch patient/Task.r patient/Task.u', req('update', 'Task'))).toBe(true);
    expect(scopesAllow(['patient/Task.r', 'patient/Task.u'], req('update', 'Task'))).toBe(true);
    expect(scopesAllow([], req('read', 'Task'))).toBe(false);
  });

  it('refuses an interaction it does not know', () => {
    expect(scopesAllow('patient/*.*', req('patch' as FhirInteraction))).toBe(false);
  });

  describe('granular scopes', () => {
    const lab = 'patient/Observation.rs?category=laboratory';

    it('allow a search carrying the scope parameter', () => {
      expect(scopesAllow(lab, req('search', 'Observation', { query: q('category=laboratory&code=1234-5') }))).toBe(true);
    });

    it('allow a search that ANDs the scope parameter with another value', () => {
      expect(scopesAllow(lab, req('search', 'Observation', { query: q('category=laboratory&category=vital-signs') }))).toBe(true);
    });

    it('refuse a search without the parameter', () => {
      expect(scopesAllow(lab, req('search', 'Observation', { query: q('code=1234-5') }))).toBe(false);
      expect(scopesAllow(lab, req('search'))).toBe(false);
    });

    it('refuse a search with another value or an OR list', () => {
      expect(scopesAllow(lab, req('search', 'Observation', { query: q('category=vital-signs') }))).toBe(false);
      expect(scopesAllow(lab, req('search', 'Observation', { query: q('category=laboratory,vital-signs') }))).toBe(false);
    });

    it('require every scope parameter', () => {
      const two = 'patient/Observation.rs?category=laboratory&status=final';
      expect(scopesAllow(two, req('search', 'Observation', { query: q('category=laboratory') }))).toBe(false);
      expect(scopesAllow(two, req('search', 'Observation', { query: q('status=final&category=laboratory') }))).toBe(true);
    });

    it('allow a read only with the matching attributes stated', () => {
      expect(scopesAllow(lab, req('read'))).toBe(false);
      expect(scopesAllow(lab, req('read', 'Observation', { query: q('_id=1&category=laboratory') }))).toBe(true);
    });

    it('grant no write interaction, even with the parameter', () => {
      const write = 'patient/Observation.cruds?category=laboratory';
      expect(scopesAllow(write, req('create', 'Observation', { query: q('category=laboratory') }))).toBe(false);
      expect(scopesAllow(write, req('search', 'Observation', { query: q('category=laboratory') }))).toBe(true);
    });

    it('still need the permission letter', () => {
      expect(scopesAllow('patient/Observation.r?category=laboratory', req('search', 'Observation', { query: q('category=laboratory') }))).toBe(false);
    });
  });
});

describe('grantedInteractions', () => {
  it('unions the unconditional grants for a type and context', () => {
    const scopes = 'patient/Observation.read patient/*.c patient/Task.u user/Observation.d';
    expect([...grantedInteractions(scopes, 'Observation')].sort()).toEqual(['c', 'r', 's']);
    expect([...grantedInteractions(scopes, 'Task')].sort()).toEqual(['c', 'u']);
    expect([...grantedInteractions(scopes, 'Observation', 'user')]).toEqual(['d']);
  });

  it('leaves granular scopes out', () => {
    expect(grantedInteractions('patient/Observation.rs?category=laboratory', 'Observation').size).toBe(0);
  });
});
