import { describe, expect, it } from 'vitest';
import {
  launchContextFields,
  patientIdFromTokenResponse,
  taskFromTokenResponse,
  type LaunchContext,
  type LaunchContextOptions,
  type TaskDelivery,
} from '../src/smart/index.ts';

const fhirBase = 'https://dva.example.nl/fhir';
const ctx: LaunchContext = { patient: '123', task: 'Task/456', fhirBase };

describe('launchContextFields', () => {
  it('defaults to the bare patient id and SMART fhirContext (docs/decisions-protocol.md D10, D11)', () => {
    expect(launchContextFields(ctx)).toEqual({ patient: '123', fhirContext: [{ reference: 'Task/456' }] });
  });

  it('gives Patient/<id> with patientFormat reference', () => {
    expect(launchContextFields(ctx, { patientFormat: 'reference' }).patient).toBe('Patient/123');
  });

  it('puts the Task first and the other resources after it in fhirContext', () => {
    const fields = launchContextFields({ ...ctx, resources: ['Observation/789', 'CarePlan/101'] });
    expect(fields.fhirContext).toEqual([{ reference: 'Task/456' }, { reference: 'Observation/789' }, { reference: 'CarePlan/101' }]);
  });

  it('gives Koppeltaal resource alone', () => {
    expect(launchContextFields(ctx, { taskDelivery: ['resource'] })).toEqual({ patient: '123', resource: 'Task/456' });
  });

  it('gives an authorization_details fhir_context entry alone', () => {
    const fields = launchContextFields(
      { ...ctx, resources: ['Observation/789'] },
      { taskDelivery: ['authorization_details'], patientFormat: 'reference', fhirVersions: ['4.0.1'] },
    );
    expect(fields).toEqual({
      patient: 'Patient/123',
      authorization_details: [
        {
          type: 'fhir_context',
          locations: [fhirBase],
          fhirVersions: ['4.0.1'],
          patient: 'Patient/123',
          fhirContext: [{ reference: 'Task/456' }, { reference: 'Observation/789' }],
        },
      ],
    });
  });

  it('combines all three deliveries', () => {
    const all: TaskDelivery[] = ['fhirContext', 'resource', 'authorization_details'];
    const fields = launchContextFields(ctx, { taskDelivery: all });
    expect(fields.fhirContext).toEqual([{ reference: 'Task/456' }]);
    expect(fields.resource).toBe('Task/456');
    expect(fields.authorization_details?.[0]?.fhirContext).toEqual([{ reference: 'Task/456' }]);
  });

  it('returns return_url top-level by default', () => {
    const fields = launchContextFields({ ...ctx, returnUrl: 'https://pgo.example.nl/back' });
    expect(fields.return_url).toBe('https://pgo.example.nl/back');
    expect(fields.authorization_details).toBeUndefined();
  });

  it('moves return_url into authorization_details when asked, adding the entry if needed', () => {
    const fields = launchContextFields({ ...ctx, returnUrl: 'https://pgo.example.nl/back' }, { returnUrlDelivery: 'authorization_details' });
    expect(fields).toEqual({
      patient: '123',
      fhirContext: [{ reference: 'Task/456' }],
      authorization_details: [{ type: 'fhir_context', locations: [fhirBase], patient: '123', return_url: 'https://pgo.example.nl/back' }],
    });
  });

  it('passes fhirUser and intent through', () => {
    const fields = launchContextFields({ ...ctx, fhirUser: 'RelatedPerson/9', intent: 'measure' });
    expect(fields).toMatchObject({ fhirUser: 'RelatedPerson/9', intent: 'measure' });
  });

  it('allows a launch without Task (integration level S) and emits no empty fhirContext', () => {
    expect(launchContextFields({ patient: '123', fhirBase })).toEqual({ patient: '123' });
  });

  it.each<[LaunchContext, LaunchContextOptions, string]>([
    [{ ...ctx, patient: 'Patient/123' }, {}, 'a patient reference where an id is expected'],
    [{ ...ctx, patient: '' }, {}, 'an empty patient'],
    [{ ...ctx, task: '456' }, {}, 'a Task without type'],
    [{ ...ctx, task: 'Observation/456' }, {}, 'a Task of another type'],
    [{ ...ctx, resources: ['Patient/123'] }, {}, 'the Patient as a launch resource (docs/protocol.md §4.2)'],
    [{ ...ctx, resources: ['observation/1'] }, {}, 'a malformed resource reference'],
    [ctx, { taskDelivery: [] }, 'a Task with no delivery'],
    [{ ...ctx, resources: ['Observation/1'] }, { taskDelivery: ['resource'] }, 'resources that resource= cannot carry'],
  ])('throws TypeError on %j %j (%s)', (context, options) => {
    expect(() => launchContextFields(context, options)).toThrow(TypeError);
  });
});

describe('taskFromTokenResponse', () => {
  it.each(['fhirContext', 'resource', 'authorization_details'] as const)('reads the Task from %s', (delivery) => {
    const body = { access_token: 'x', ...launchContextFields(ctx, { taskDelivery: [delivery] }) };
    expect(taskFromTokenResponse(body)).toBe('Task/456');
  });

  it('reads the Task when all deliveries agree', () => {
    const body = launchContextFields(ctx, { taskDelivery: ['fhirContext', 'resource', 'authorization_details'] });
    expect(taskFromTokenResponse(body)).toBe('Task/456');
  });

  it('ignores non-Task entries in fhirContext', () => {
    expect(taskFromTokenResponse({ fhirContext: [{ reference: 'Observation/1' }, { reference: 'Task/2' }, 'junk', null] })).toBe('Task/2');
  });

  it('returns undefined when the deliveries disagree', () => {
    expect(taskFromTokenResponse({ fhirContext: [{ reference: 'Task/1' }], resource: 'Task/2' })).toBeUndefined();
  });

  it('returns undefined for two Tasks in one delivery', () => {
    expect(taskFromTokenResponse({ fhirContext: [{ reference: 'Task/1' }, { reference: 'Task/2' }] })).toBeUndefined();
  });

  it('treats a malformed Task reference as ambiguous, not absent', () => {
    expect(taskFromTokenResponse({ fhirContext: [{ reference: 'Task/1' }], resource: 'Task/1/_history/2' })).toBeUndefined();
    expect(taskFromTokenResponse({ resource: 'Task/' })).toBeUndefined();
  });

  it('ignores authorization_details of another type or another location when fhirBase is given', () => {
    const other = { type: 'payment', fhirContext: [{ reference: 'Task/9' }] };
    const elsewhere = { type: 'fhir_context', locations: ['https://other.example/fhir'], fhirContext: [{ reference: 'Task/8' }] };
    const here = { type: 'fhir_context', locations: [fhirBase], fhirContext: [{ reference: 'Task/7' }] };
    expect(taskFromTokenResponse({ authorization_details: [other, elsewhere, here] }, { fhirBase })).toBe('Task/7');
    expect(taskFromTokenResponse({ authorization_details: [other, elsewhere, here] })).toBeUndefined();
  });

  it.each([undefined, null, 'Task/1', [], {}, { fhirContext: 'Task/1' }])('returns undefined for %j', (body) => {
    expect(taskFromTokenResponse(body)).toBeUndefined();
  });
});

describe('patientIdFromTokenResponse', () => {
  it('accepts the bare id and Patient/<id>', () => {
    expect(patientIdFromTokenResponse({ patient: '123' })).toBe('123');
    expect(patientIdFromTokenResponse({ patient: 'Patient/123' })).toBe('123');
  });

  it('reads authorization_details when there is no top-level patient', () => {
    const body = { authorization_details: [{ type: 'fhir_context', locations: [fhirBase], patient: 'Patient/123' }] };
    expect(patientIdFromTokenResponse(body, { fhirBase })).toBe('123');
  });

  it('treats both formats of the same patient as agreeing', () => {
    const body = launchContextFields(ctx, { taskDelivery: ['authorization_details'], patientFormat: 'reference' });
    expect(patientIdFromTokenResponse({ ...body, patient: '123' })).toBe('123');
  });

  it('returns undefined when the deliveries name different patients', () => {
    const body = { patient: '123', authorization_details: [{ type: 'fhir_context', locations: [fhirBase], patient: '999' }] };
    expect(patientIdFromTokenResponse(body)).toBeUndefined();
  });

  it.each<[unknown, string]>([
    [{ patient: 'Observation/123' }, 'another resource type'],
    [{ patient: 'https://dva.example.nl/fhir/Patient/123' }, 'an absolute reference'],
    [{ patient: 123 }, 'a number'],
    [{ patient: '' }, 'the empty string'],
    [{ patient: '123', authorization_details: [{ type: 'fhir_context', patient: 'Task/1' }] }, 'a malformed second delivery'],
    [{}, 'no patient'],
    [null, 'no body'],
  ])('returns undefined for %j (%s)', (body) => {
    expect(patientIdFromTokenResponse(body)).toBeUndefined();
  });
});
