/**
 * AuditEvents (docs/decisions.md I93): every data access and every launch, with the agent chain,
 * searchable by patient within the token's compartment, never a BSN, token or proof.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { body, FHIR_JSON, generateDpopKey, harness, KOOS, statusPatch, TOM, type Harness } from './support.ts';

type AuditEvent = {
  id: string;
  subtype: Array<{ code: string }>;
  action: string;
  outcome: string;
  agent: Array<{ who: { identifier: { system?: string; value: string } }; requestor: boolean }>;
  entity: Array<{ what?: { reference: string } }>;
};

const AUDIT_SCOPE = 'patient/AuditEvent.rs';
const BSN = /\b\d{9}\b/;
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]*/;

describe('AuditEvent (FHIR R4) of every access and launch', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  const trail = async (patient: string, query = `patient=Patient/${patient}`) => {
    const response = await h.request('GET', `AuditEvent?${query}`, await h.token({ patient, scope: AUDIT_SCOPE }));
    expect(response.statusCode).toBe(200);
    return ((body(response).entry ?? []) as Array<{ resource: AuditEvent }>).map((e) => e.resource);
  };
  const about = (events: AuditEvent[], reference: string) => events.filter((e) => e.entity.some((x) => x.what?.reference === reference));

  it('records a read with the agent chain of `act`: module, PGO, representative; the patient and the resource as entities', async () => {
    const act = { sub: 'module-2a', act: { sub: 'pgo-demo', act: { sub: 'pseudonym-of-anna' } } };
    const token = await h.moduleToken('task-2a', { client_id: 'module-2a', act });
    expect((await h.request('GET', 'Task/task-2a', token)).statusCode).toBe(200);
    const reads = about(await trail(TOM), 'Task/task-2a').filter((e) => e.subtype[0]!.code === 'read');
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({
      action: 'R',
      outcome: '0',
      agent: [
        { who: { identifier: { system: 'urn:ietf:params:oauth:client-id', value: 'module-2a' } }, requestor: true },
        { who: { identifier: { value: 'module-2a' } }, requestor: false },
        { who: { identifier: { value: 'pgo-demo' } }, requestor: false },
        { who: { identifier: { value: 'pseudonym-of-anna' } }, requestor: false },
      ],
      entity: [{ what: { reference: `Patient/${TOM}` } }, { what: { reference: 'Task/task-2a' } }],
    });
  });

  it('records a launch once per module grant, with its launch Task', async () => {
    const token = await h.moduleToken('task-3b', { grant_id: 'grant-launch-3b' });
    await h.request('GET', 'Task/task-3b', token);
    await h.request('PATCH', 'Task/task-3b', token, { headers: FHIR_JSON, payload: JSON.stringify(statusPatch('in-progress')) });
    const events = about(await trail(TOM), 'Task/task-3b');
    expect(events.map((e) => e.subtype[0]!.code)).toEqual(['launch', 'read', 'patch']);
    expect(events[2]).toMatchObject({ action: 'U', outcome: '0' });
  });

  it('records refusals as failures', async () => {
    const token = await h.moduleToken('task-3a');
    expect((await h.request('GET', 'Task/task-1', token)).statusCode).toBe(404);
    const refused = about(await trail(TOM), 'Task/task-1');
    expect(refused.at(-1)).toMatchObject({ outcome: '4', subtype: [{ code: 'read' }] });
  });

  it('lets a patient search only their own trail', async () => {
    await h.request('GET', `Patient/${KOOS}`, await h.token({ patient: KOOS }));
    const koos = await trail(KOOS);
    expect(about(koos, `Patient/${KOOS}`).length).toBeGreaterThan(0);
    expect(koos.every((e) => e.entity.every((x) => x.what?.reference !== `Patient/${TOM}`))).toBe(true);
    // Tom's token asking for Koos's trail: nothing (compartment), not an error
    const response = await h.request('GET', `AuditEvent?patient=Patient/${KOOS}`, await h.token({ scope: AUDIT_SCOPE }));
    expect(body(response).total).toBe(0);
  });

  it('needs the AuditEvent scope, shows a module nothing, and lets no token write the trail', async () => {
    expect((await h.request('GET', `AuditEvent?patient=Patient/${TOM}`, await h.token())).statusCode).toBe(403);
    const moduleSearch = await h.request('GET', `AuditEvent?patient=Patient/${TOM}`, await h.moduleToken('task-3a', { scope: 'patient/*.read' }));
    expect(body(moduleSearch).total).toBe(0);
    const [event] = await trail(TOM);
    const forged = { resourceType: 'AuditEvent', entity: [{ what: { reference: `Patient/${TOM}` } }] };
    const writes = [
      await h.request('POST', 'AuditEvent', await h.moduleToken('task-3a', { scope: 'patient/*.write' }), { headers: FHIR_JSON, payload: JSON.stringify(forged) }),
      await h.request('PUT', `AuditEvent/${event!.id}`, await h.token({ client_id: 'dva-auth', patient: undefined, scope: 'system/*.cruds' }), {
        headers: FHIR_JSON,
        payload: JSON.stringify({ ...event, outcome: '0' }),
      }),
    ];
    for (const write of writes) expect(write.statusCode).toBe(403);
  });

  it('keeps BSNs, tokens, proofs and query strings out', async () => {
    const key = await generateDpopKey();
    const token = await h.token({ cnf: { jkt: key.jkt }, scope: 'patient/Patient.rs' });
    const read = await h.dpopRequest('GET', `Patient/${TOM}`, token, key);
    expect(read.body).toMatch(BSN); // the resource itself carries the BSN
    await h.request('GET', 'Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999990020', await h.token({ scope: 'patient/Patient.rs' }));
    const text = JSON.stringify(await trail(TOM));
    expect(text).toContain('search-type');
    expect(text).not.toMatch(BSN);
    expect(text).not.toMatch(JWT);
    expect(text).not.toContain(key.jkt);
    expect(text).not.toContain('identifier=');
  });
});
