import { FhirError } from '@koppelmij/core/errors';
import { describe, expect, it } from 'vitest';
import type { FhirResource, ResourceType } from '../src/data/resource.ts';
import { matches, parseSearch } from '../src/data/search.ts';

const BASE = 'http://fhir.localhost:4200/fhir';
const task: FhirResource = {
  resourceType: 'Task',
  id: 'task-1',
  status: 'requested',
  for: { reference: 'Patient/p1' },
  owner: { reference: 'Patient/p1' },
  basedOn: [{ reference: 'ServiceRequest/sr1' }],
  identifier: [{ system: 'http://medrie.nl/taskIdentifier', value: 'T-1' }],
};

const hit = (query: string, resource: FhirResource = task, type: ResourceType = 'Task') =>
  matches(resource, parseSearch(type, new URLSearchParams(query)), BASE);

describe('search parameters (FHIR R4 §3.1.1)', () => {
  it.each([
    ['owner=Patient/p1', true],
    ['owner=p1', true],
    [`owner=${BASE}/Patient/p1`, true],
    ['owner=Patient/p2', false],
    ['owner=Practitioner/p1', false],
    ['owner=http://elsewhere.example/fhir/Patient/p1', false],
    ['patient=p1', true],
    ['subject=Patient/p1', true],
    ['based-on=ServiceRequest/sr1', true],
    ['_id=task-1', true],
    ['_id=task-2,task-1', true],
    ['_id=task-2', false],
    ['status=requested', true],
    ['status=completed', false],
    ['identifier=http://medrie.nl/taskIdentifier|T-1', true],
    ['identifier=T-1', true],
    ['identifier=|T-1', false],
    ['identifier=http://medrie.nl/taskIdentifier|', true],
    ['identifier=http://other|T-1', false],
    ['owner=Patient/p1&status=completed', false],
    ['_count=10&_id=task-1', true],
  ])('Task?%s matches: %s', (query, expected) => expect(hit(query)).toBe(expected));

  it('matches ActivityDefinition?url= on the canonical url (docs/protocol.md §6.6)', () => {
    const ad: FhirResource = { resourceType: 'ActivityDefinition', id: 'ad', url: 'https://modules.example.nl/fhir/ActivityDefinition/x' };
    expect(hit('url=https://modules.example.nl/fhir/ActivityDefinition/x', ad, 'ActivityDefinition')).toBe(true);
    expect(hit('url=https://modules.example.nl/fhir/ActivityDefinition/y', ad, 'ActivityDefinition')).toBe(false);
  });

  it('restricts patient= to Patient references', () => {
    const obs: FhirResource = { resourceType: 'Observation', id: 'o', subject: { reference: 'Group/p1' } };
    expect(hit('patient=p1', obs, 'Observation')).toBe(false);
    expect(hit('subject=p1', obs, 'Observation')).toBe(true);
  });

  it.each([
    ['colour=red', 'not-supported'],
    ['owner:Patient=p1', 'not-supported'],
    ['url=x', 'not-supported'],
    ['owner=', 'invalid'],
    ['_count=0', 'invalid'],
    ['_count=ten', 'invalid'],
  ])('refuses Task?%s with 400 %s', (query, code) => {
    let error: unknown;
    try {
      parseSearch('Task', new URLSearchParams(query));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FhirError);
    expect(error).toMatchObject({ status: 400, outcome: { issue: [{ code }] } });
  });

  it('does not treat inherited object keys as parameters', () => {
    expect(() => parseSearch('Task', new URLSearchParams('constructor=x'))).toThrow(FhirError);
  });
});
