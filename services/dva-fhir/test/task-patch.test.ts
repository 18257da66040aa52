import { FhirError } from '@koppelmij/core/errors';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TASK_TRANSITIONS, loadDvaFhirConfig } from '../src/config.ts';
import { applyTaskPatch } from '../src/task-patch.ts';
import { statusPatch } from './support.ts';

const task = (status = 'requested') => ({ resourceType: 'Task', id: 't', status, meta: { versionId: '1' } });
const operation = (...part: unknown[]) => ({ resourceType: 'Parameters', parameter: [{ name: 'operation', part }] });
const replaceStatus = (value: Record<string, unknown>) =>
  operation({ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Task.status' }, { name: 'value', ...value });

function rejects(body: unknown, status: number, code: string, from = 'requested') {
  let error: unknown;
  try {
    applyTaskPatch(task(from), body, DEFAULT_TASK_TRANSITIONS);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(FhirError);
  expect(error).toMatchObject({ status, outcome: { issue: [{ code }] } });
}

describe('applyTaskPatch (docs/protocol.md §4.8, FHIRPath Patch)', () => {
  it('replaces the status along the lifecycle, sets lastModified and leaves the input alone', () => {
    const input = task();
    const now = new Date('2026-01-01T00:00:00Z');
    const patched = applyTaskPatch(input, statusPatch('accepted'), DEFAULT_TASK_TRANSITIONS, now);
    expect(patched).toMatchObject({ status: 'accepted', lastModified: '2026-01-01T00:00:00.000Z' });
    expect(input.status).toBe('requested');
  });

  it.each([
    ['requested', 'completed'],
    ['completed', 'in-progress'],
    ['cancelled', 'requested'],
    ['in-progress', 'in-progress'],
  ])('refuses %s → %s with 422 business-rule', (from, to) => rejects(statusPatch(to), 422, 'business-rule', from));

  it('follows a configured transition table (TASK_TRANSITIONS)', () => {
    const { taskTransitions } = loadDvaFhirConfig({ TASK_TRANSITIONS: '{"requested":["completed"]}' });
    expect(applyTaskPatch(task(), statusPatch('completed'), taskTransitions).status).toBe('completed');
    expect(() => applyTaskPatch(task(), statusPatch('accepted'), taskTransitions)).toThrow(FhirError);
  });

  it('answers 400 value for a status that is not a TaskStatus code', () => rejects(statusPatch('done'), 400, 'value'));

  it('answers 400 for a status given as valueString', () => rejects(replaceStatus({ valueString: 'accepted' }), 400, 'invalid'));

  it.each([
    ['delete of Task.output', operation({ name: 'type', valueCode: 'delete' }, { name: 'path', valueString: 'Task.output' })],
    ['replace of Task.description', operation({ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Task.description' }, { name: 'value', valueString: 'x' })],
    ['add of Task.note', operation({ name: 'type', valueCode: 'add' }, { name: 'path', valueString: 'Task' }, { name: 'name', valueString: 'note' }, { name: 'value', valueString: 'x' })],
    ['replace of Task.status with a name', operation({ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Task.status' }, { name: 'name', valueString: 'x' }, { name: 'value', valueCode: 'accepted' })],
  ])('answers 422 business-rule for a %s (docs/protocol.md §8 item 21)', (_, body) => rejects(body, 422, 'business-rule'));

  it.each([
    ['a Task instead of Parameters', { resourceType: 'Task' }],
    ['no operations', { resourceType: 'Parameters', parameter: [] }],
    ['a parameter that is not an operation', { resourceType: 'Parameters', parameter: [{ name: 'op', part: [] }] }],
    ['an unknown operation type', operation({ name: 'type', valueCode: 'upsert' }, { name: 'path', valueString: 'Task.status' })],
    ['no path', operation({ name: 'type', valueCode: 'replace' })],
    ['a repeated part', operation({ name: 'type', valueCode: 'replace' }, { name: 'type', valueCode: 'replace' })],
    ['an unknown part', operation({ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Task.status' }, { name: 'colour', valueString: 'x' })],
    ['null', null],
  ])('answers 400 invalid for %s', (_, body) => rejects(body, 400, 'invalid'));

  describe('add Task.output', () => {
    const output = (...part: unknown[]) =>
      operation({ name: 'type', valueCode: 'add' }, { name: 'path', valueString: 'Task' }, { name: 'name', valueString: 'output' }, { name: 'value', part });
    const type = { name: 'type', valueCodeableConcept: { text: 'questionnaire-response' } };

    it('appends a type + valueReference output', () => {
      const patched = applyTaskPatch(task(), output(type, { name: 'valueReference', valueReference: { reference: 'QuestionnaireResponse/q1' } }), DEFAULT_TASK_TRANSITIONS);
      expect(patched.output).toEqual([{ type: { text: 'questionnaire-response' }, valueReference: { reference: 'QuestionnaireResponse/q1' } }]);
    });

    it('answers 422 for an output value other than a reference', () =>
      rejects(output(type, { name: 'valueString', valueString: 'x' }), 422, 'business-rule'));

    it('answers 400 for a reference to another server', () =>
      rejects(output(type, { name: 'valueReference', valueReference: { reference: 'https://evil.example/QuestionnaireResponse/q1' } }), 400, 'invalid'));

    it('answers 422 for an output without type and valueReference', () => rejects(output(), 422, 'business-rule'));

    it('answers 400 for a value that carries no parts', () =>
      rejects(operation({ name: 'type', valueCode: 'add' }, { name: 'path', valueString: 'Task' }, { name: 'name', valueString: 'output' }, { name: 'value', valueString: 'x' }), 400, 'invalid'));
  });
});
