import { describe, expect, it } from 'vitest';
import { accessRow } from '../src/access-log.ts';
import type { Registrations } from '../src/registrations.ts';

const registrations = {
  pgo: { clientId: 'pgo-demo', scope: '' },
  modules: new Map([['module-2a', { clientId: 'module-2a', name: 'Dagboek (optie 2a)' }]]),
  catalogue: new Map(),
} as unknown as Registrations;

const agent = (value: string, requestor = false) => ({ who: { identifier: { value } }, requestor });

describe('accessRow (docs/decisions.md I93)', () => {
  it('names the module, the PGO it came through and a representative, never the pseudonym', () => {
    const row = accessRow(
      {
        resourceType: 'AuditEvent',
        id: 'a',
        recorded: '2026-12-08T00:00:00.000Z',
        subtype: [{ code: 'read' }],
        outcome: '0',
        agent: [agent('module-2a', true), agent('module-2a'), agent('pgo-demo'), agent('hmac-pseudonym')],
        entity: [{ what: { reference: 'Patient/p' } }, { what: { reference: 'Task/t' } }],
      },
      registrations,
    );
    expect(row).toEqual({ recorded: '2026-12-08T00:00:00.000Z', who: 'Dagboek (optie 2a)', via: ['this PGO', 'a representative'], what: 'read Task/t', allowed: true });
  });

  it('shows a refused search by type', () => {
    const row = accessRow(
      { resourceType: 'AuditEvent', id: 'b', subtype: [{ code: 'search-type' }], outcome: '4', agent: [agent('pgo-demo', true)], entity: [{ type: { code: 'Observation' } }] },
      registrations,
    );
    expect(row).toMatchObject({ who: 'this PGO', via: [], what: 'search-type Observation', allowed: false });
  });
});
