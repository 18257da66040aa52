/**
 * The demo bundle (deploy/demo/fhir-bundle.json) against the spec's launch chain (§6.6) and the
 * other demo data it must agree with: the module registrations and the mock DigiD's persons.
 */
import { isValidBsn } from '@koppelmij/core/identity';
import { loadRegistrations } from '@koppelmij/service-kit';
import { describe, expect, it } from 'vitest';
import { TEST_PERSONS } from '../../digid-mock/src/persons.ts';
import { loadDvaFhirConfig } from '../src/config.ts';
import { MemoryFhirData } from '../src/data/memory-data.ts';
import { localReference, type FhirResource } from '../src/data/resource.ts';
import { bundleResources, loadBundle } from '../src/data/seed.ts';
import { instantiatedActivityDefinition } from '../src/launch-context.ts';

const config = loadDvaFhirConfig({ MODULE_URL: 'http://module.test:4300' });
const resources = loadBundle(config.bundlePath, config.placeholders);
const data = new MemoryFhirData(resources);
const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
const KT2_ENDPOINT = 'http://koppeltaal.nl/fhir/StructureDefinition/KT2EndpointExtension';
const CLIENT_ID = 'http://medmij.nl/fhir/StructureDefinition/ext-ClientID';

const ext = (r: FhirResource | undefined, url: string) => (r?.extension as Array<Record<string, unknown>> | undefined)?.find((e) => e.url === url);

/** docs/protocol.md §6.6: Task → ActivityDefinition → Endpoint. */
async function launchChain(taskId: string) {
  const task = (await data.read('Task', taskId))!;
  const adRef = (await instantiatedActivityDefinition(task, data, config.fhirUrl))!;
  const ad = await data.read('ActivityDefinition', adRef.split('/')[1]!);
  const epRef = localReference(ext(ad, KT2_ENDPOINT)?.valueReference, config.fhirUrl)!;
  const endpoint = (await data.read('Endpoint', epRef.split('/')[1]!))!;
  return { task, ad, endpoint, clientId: ext(endpoint, CLIENT_ID)?.valueString };
}

describe('demo FHIR bundle', () => {
  const registrations = loadRegistrations('deploy/demo/registrations.json', {
    PGO_URL: 'http://pgo.test', DVA_AUTH_URL: 'http://dva.test', DVA_FHIR_URL: config.fhirUrl, MODULE_URL: 'http://module.test:4300', DIGID_URL: 'http://digid.test',
  });

  // every Task-launched module; a level-S module is launched standalone and has no Task (docs/protocol.md §5)
  it.each(registrations.modules.filter((m) => m.launch_option !== undefined).map((m) => [m.client_id, m.launch_option] as const))(
    'has a requested Task for Tom launching %s (option %s) through its own AD and active Endpoint',
    async (clientId) => {
      const { task, endpoint, clientId: endpointClient } = await launchChain(`task-${clientId.replace(/^module-/, '')}`);
      expect(task).toMatchObject({ status: 'requested', for: { reference: 'Patient/pat-van-duinen' }, owner: { reference: 'Patient/pat-van-duinen' } });
      expect(task.basedOn).toEqual([{ reference: 'ServiceRequest/sr-diabetes' }]);
      expect(endpoint).toMatchObject({ status: 'active', address: `http://module.test:4300/m/${clientId}/launch` });
      expect(endpointClient).toBe(clientId);
    },
  );

  it('exercises both launch links: one Task uses instantiatesCanonical, resolved by AD url', async () => {
    const canonical = resources.filter((r) => r.resourceType === 'Task' && typeof r.instantiatesCanonical === 'string');
    expect(canonical.map((t) => t.id)).toEqual(['task-3b']);
    expect((await launchChain('task-3b')).ad?.url).toBe(canonical[0]!.instantiatesCanonical);
  });

  it('has a Task whose Endpoint is inactive (the PGO\'s error path, docs/protocol.md §8 item 25)', async () => {
    expect((await launchChain('task-inactive')).endpoint.status).toBe('off');
  });

  it('gives the ServiceRequest the group label the PGO shows (§6.2)', async () => {
    expect(await data.read('ServiceRequest', 'sr-diabetes')).toMatchObject({ code: { text: 'Digitale zorgmodule Diabetes' } });
  });

  it('describes the mock DigiD\'s persons with the same BSN, name and birth date', () => {
    const patients = resources.filter((r) => r.resourceType === 'Patient');
    const withBsn = (bsn: string) => patients.find((p) => (p.identifier as Array<{ system: string; value: string }>).some((i) => i.system === BSN && i.value === bsn));
    for (const bsn of ['999990020', '999990032', '999990044', '999990019', '999990056']) {
      const person = TEST_PERSONS.find((p) => p.bsn === bsn)!;
      expect(withBsn(bsn), bsn).toMatchObject({ birthDate: person.birthDate, gender: person.gender, name: expect.arrayContaining([expect.objectContaining({ family: person.familyName })]) });
    }
    for (const p of patients) expect(isValidBsn((p.identifier as Array<{ value: string }>)[0]!.value), p.id).toBe(true);
  });

  it('holds one patient record without a birth date (identity-check insufficient-data)', () => {
    expect(resources.filter((r) => r.resourceType === 'Patient' && r.birthDate === undefined).map((r) => r.id)).toEqual(['pat-bakker']);
  });

  it('fails to load on an unknown placeholder or a duplicate resource', () => {
    expect(() => loadBundle(config.bundlePath, {})).toThrow(/unknown placeholder/);
    const patient = { resourceType: 'Patient', id: 'p' };
    expect(() => bundleResources({ resourceType: 'Bundle', entry: [{ resource: patient }, { resource: patient }] })).toThrow(/appears twice/);
    expect(() => bundleResources({ resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Medication', id: 'm' } }] })).toThrow(/not a supported/);
  });
});
