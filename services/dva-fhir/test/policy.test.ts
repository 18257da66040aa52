import type { AccessTokenClaims } from '@koppelmij/core/access-token';
import { FhirError } from '@koppelmij/core/errors';
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { auditEvent } from '../src/audit.ts';
import { MemoryFhirData } from '../src/data/memory-data.ts';
import type { FhirResource } from '../src/data/resource.ts';
import { Policy } from '../src/policy.ts';

const BASE = 'http://fhir.localhost:4200/fhir';
const me = { reference: 'Patient/p1' };
const resources: FhirResource[] = [
  { resourceType: 'Patient', id: 'p1' },
  { resourceType: 'Task', id: 'parent', status: 'in-progress', for: me, owner: me },
  { resourceType: 'Task', id: 'launch', status: 'requested', for: me, owner: me, basedOn: [{ reference: 'Task/parent' }] },
  { resourceType: 'Task', id: 'owned-only', status: 'requested', for: { reference: 'Patient/p2' }, owner: me },
];
const policy = new Policy({ fhirBase: BASE, systemClients: ['dva-auth'], launchContextReferences: true }, new MemoryFhirData(resources));
const claims = (extra: Partial<AccessTokenClaims>): AccessTokenClaims => ({
  iss: 'i', sub: 's', aud: BASE, exp: 0, iat: 0, jti: 'j', client_id: 'module-3a', patient: 'p1', ...extra,
});

async function forbidden(f: () => unknown) {
  let error: unknown;
  try {
    await f();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(FhirError);
  expect(error).toMatchObject({ status: 403, outcome: { issue: [{ code: 'forbidden' }] } });
}

describe('Policy', () => {
  it('accepts the patient claim as a bare id or as Patient/<id> (docs/decisions-protocol.md D10)', async () => {
    expect((await policy.access(claims({ patient: 'p1' }))).patient).toBe('p1');
    expect((await policy.access(claims({ patient: 'Patient/p1' }))).patient).toBe('p1');
  });

  it.each([undefined, 42, 'Patient/', 'Group/p1', 'p1/../p2'])('refuses a patient claim %s with 403', async (patient) => {
    await forbidden(() => policy.access(claims({ patient })));
  });

  it('classifies tokens: system by client_id, module by fhirContext, collect otherwise', async () => {
    expect((await policy.access(claims({ client_id: 'dva-auth', patient: undefined }))).kind).toBe('system');
    expect((await policy.access(claims({ fhirContext: [] }))).kind).toBe('module');
    expect((await policy.access(claims({}))).kind).toBe('collect');
  });

  it('puts a Task in the compartment when the patient is its for or its owner', () => {
    expect(policy.inCompartment(resources[3]!, 'p1')).toBe(true);
    expect(policy.inCompartment(resources[3]!, 'p2')).toBe(true);
    expect(policy.inCompartment(resources[3]!, 'p3')).toBe(false);
  });

  it('lets a module read a Task its launch Task references, but PATCH only the launch Task (docs/protocol.md §8 item 20)', async () => {
    const access = await policy.access(claims({ fhirContext: [{ reference: 'Task/launch' }] }));
    expect(policy.visible(access, resources[1]!)).toBe(true);
    expect(() => policy.assertMayPatch(access, resources[2]!)).not.toThrow();
    await forbidden(() => policy.assertMayPatch(access, resources[1]!));
  });

  it('accepts absolute fhirContext references on this server only', async () => {
    const access = await policy.access(claims({ fhirContext: [{ reference: `${BASE}/Task/launch` }, { reference: 'http://other/fhir/Task/parent' }] }));
    expect([...access.launchTasks!]).toEqual(['Task/launch']);
  });

  it('lets a module change only Tasks, never another launch resource', async () => {
    const access = await policy.access(claims({ fhirContext: [{ reference: 'Task/launch' }, { reference: 'Patient/p1' }] }));
    expect([...access.launchTasks!]).toEqual(['Task/launch']);
    expect(access.readable!.has('Patient/p1')).toBe(true);
  });
});

describe('auditEvent', () => {
  it('records client, subject, actor chain and outcome, and never the token or query', () => {
    const request = {
      method: 'GET',
      url: '/fhir/Task?owner=Patient/p1',
      headers: { authorization: 'Bearer secret-token' },
      verified: { scheme: 'Bearer', claims: claims({ act: { sub: 'pgo-demo', act: { sub: 'rep-1' } } }) },
      access: { kind: 'collect', patient: 'p1' },
    } as unknown as FastifyRequest;
    const event = auditEvent(request, 200);
    expect(event).toEqual({
      method: 'GET', path: '/fhir/Task', status: 200, client_id: 'module-3a', sub: 's', scheme: 'Bearer',
      act: ['pgo-demo', 'rep-1'], kind: 'collect', patient: 'p1',
    });
    expect(JSON.stringify(event)).not.toContain('secret-token');
  });

  it('records the outcome of a request that failed authentication', () => {
    const request = { method: 'GET', url: '/fhir/Task/t', headers: {} } as unknown as FastifyRequest;
    expect(auditEvent(request, 401)).toEqual({ method: 'GET', path: '/fhir/Task/t', status: 401 });
  });
});
