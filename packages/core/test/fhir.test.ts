import { describe, expect, it } from 'vitest';
import { FHIR_ID_SOURCE, isFhirId, relativeReference } from '../src/fhir/index.ts';

describe('isFhirId (FHIR R4 datatypes: id)', () => {
  it.each([
    ['task-3a', true],
    ['A.b-9', true],
    ['x'.repeat(64), true],
    ['x'.repeat(65), false],
    ['', false],
    ['a_b', false],
    ['a/b', false],
    ['a b', false],
    ['é', false],
    [42, false],
    [undefined, false],
  ])('%j → %j', (value, expected) => {
    expect(isFhirId(value)).toBe(expected);
  });

  it('offers its source for composed patterns', () => {
    expect(new RegExp(`^Patient/${FHIR_ID_SOURCE}$`).test('Patient/p-1')).toBe(true);
  });
});

describe('relativeReference (FHIR R4 §2.3.0)', () => {
  it('reads Type/id, optionally of one type', () => {
    expect(relativeReference('Task/t-1')).toEqual({ type: 'Task', id: 't-1' });
    expect(relativeReference('Task/t-1', 'Task')).toEqual({ type: 'Task', id: 't-1' });
    expect(relativeReference('Patient/p', 'Task')).toBeUndefined();
  });

  it.each([
    'task/t-1', 'Task/', '/t-1', 'Task/t_1', 'Task/t-1/_history/2', 'Task/t-1?x=1', 'https://fhir.example/Task/t-1',
    `Task/${'x'.repeat(65)}`, `${'T'.repeat(65)}/x`, 'T/1', 'Task//t', 'Ta sk/t',
  ])('refuses %j', (value) => {
    expect(relativeReference(value)).toBeUndefined();
  });

  it('refuses what is not text', () => {
    expect(relativeReference(undefined)).toBeUndefined();
    expect(relativeReference({ reference: 'Task/t' })).toBeUndefined();
  });
});
