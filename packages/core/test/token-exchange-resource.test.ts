import { describe, expect, it } from 'vitest';
import { InvalidTarget } from '../src/errors/index.ts';
import { parseFhirResourceTarget, type FhirResourceTargetOptions } from '../src/token-exchange/index.ts';

const options: FhirResourceTargetOptions = { fhirBase: 'https://dva.example.nl/fhir', patientResource: 'reject' };

function expectInvalidTarget(value: string, opts = options) {
  let thrown: unknown;
  try {
    parseFhirResourceTarget(value, opts);
  } catch (e) {
    thrown = e;
  }
  expect(thrown, value).toBeInstanceOf(InvalidTarget);
  expect(thrown, value).toMatchObject({ error: 'invalid_target' });
}

describe('parseFhirResourceTarget', () => {
  it('reads a relative reference (docs/protocol.md §4.2)', () => {
    expect(parseFhirResourceTarget('Task/456', options)).toEqual({ resourceType: 'Task', id: '456', reference: 'Task/456' });
  });

  it('accepts every character of the FHIR id grammar, up to 64 of them', () => {
    const id = `aZ09-.${'x'.repeat(58)}`;
    expect(id).toHaveLength(64);
    expect(parseFhirResourceTarget(`Observation/${id}`, options)).toEqual({ resourceType: 'Observation', id, reference: `Observation/${id}` });
  });

  it('reads an absolute URL under the FHIR base as its relative reference (docs/protocol.md §3.1.4)', () => {
    expect(parseFhirResourceTarget('https://dva.example.nl/fhir/Task/456', options)).toEqual({ resourceType: 'Task', id: '456', reference: 'Task/456' });
    expect(parseFhirResourceTarget('https://dva.example.nl/fhir/CarePlan/101', { ...options, fhirBase: 'https://dva.example.nl/fhir/' })?.reference).toBe('CarePlan/101');
  });

  it('compares absolute URLs after RFC 3986 §6.2.2/§6.2.3 normalisation', () => {
    expect(parseFhirResourceTarget('HTTPS://DVA.example.NL:443/fhir/Task/456', options)?.reference).toBe('Task/456');
    expect(parseFhirResourceTarget('https://dva.example.nl/other/../fhir/Task/456', options)?.reference).toBe('Task/456');
  });

  it('refuses an absolute URL under another base → invalid_target', () => {
    expectInvalidTarget('https://other.example.nl/fhir/Task/456');
    expectInvalidTarget('https://dvb.example.nl/fhir/Task/456');
    expectInvalidTarget('http://dva.example.nl/fhir/Task/456');
    expectInvalidTarget('https://dva.example.nl/fhir-evil/Task/456');
    expectInvalidTarget('https://dva.example.nl/Task/456');
    expectInvalidTarget('https://user@dva.example.nl/fhir/Task/456');
    expectInvalidTarget('https://dva.example.nl/fhir/../Task/456');
  });

  it('refuses an absolute URL with a query or fragment (RFC 8707 §2)', () => {
    expectInvalidTarget('https://dva.example.nl/fhir/Task/456?_format=json');
    expectInvalidTarget('https://dva.example.nl/fhir/Task/456#x');
    expectInvalidTarget('https://dva.example.nl/fhir/Task/456?');
  });

  it('refuses characters the URL parser would drop or rewrite (RFC 3986 §2)', () => {
    expectInvalidTarget('https://dva.example.nl/fhir/Task/4\n56');
    expectInvalidTarget('https://dva.example.nl/fhir/Task/456\t');
    expectInvalidTarget(' https://dva.example.nl/fhir/Task/456');
    expectInvalidTarget('https://dva.example.nl\\fhir\\Task\\456');
  });

  it('refuses malformed references → invalid_target', () => {
    for (const value of [
      '',
      'Task/',
      'Task',
      '/Task/456',
      'Task/456/',
      'Task/456/_history/1',
      'task/456',
      'T/456',
      'Task1/456',
      'Task/45 6',
      'Task/%34',
      'Task/45_6',
      `Task/${'x'.repeat(65)}`,
      'urn:uuid:9c1a9e3e-0000-4000-8000-000000000000',
      'Task:456',
    ]) {
      expectInvalidTarget(value);
    }
  });

  it('refuses Patient when patientResource is "reject" (docs/protocol.md §4.2, §7.4)', () => {
    expectInvalidTarget('Patient/789');
    expectInvalidTarget('https://dva.example.nl/fhir/Patient/789');
  });

  it('skips Patient when patientResource is "ignore"', () => {
    const ignore = { ...options, patientResource: 'ignore' as const };
    expect(parseFhirResourceTarget('Patient/789', ignore)).toBeUndefined();
    expect(parseFhirResourceTarget('https://dva.example.nl/fhir/Patient/789', ignore)).toBeUndefined();
    expect(parseFhirResourceTarget('Task/456', ignore)?.reference).toBe('Task/456');
    expectInvalidTarget('Patient/', ignore);
  });
});
