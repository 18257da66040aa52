/**
 * A Task → ActivityDefinition → Endpoint chain (docs/protocol.md §6.6) as FHIR JSON, for the launch-chain
 * tests here and the services' tests of their readers.
 */
import { EXT_CLIENT_ID, EXT_INSTANTIATES, EXT_KT2_ENDPOINT, type FhirResource } from '../../src/launch-chain/index.ts';

/** A resource with its id, as a server stores it. */
export type StoredResource = FhirResource & { id: string };

/** The absolute canonical URL of an ActivityDefinition. */
export const CANONICAL = 'http://example.org/fhir/ActivityDefinition/bloeddruk';

/** Task t1, linked to ActivityDefinition/ad1 by the instantiates extension. */
export const task = (extra: Partial<FhirResource> = {}): StoredResource => ({
  resourceType: 'Task',
  id: 't1',
  status: 'requested',
  extension: [{ url: EXT_INSTANTIATES, valueReference: { reference: 'ActivityDefinition/ad1', type: 'ActivityDefinition' } }],
  ...extra,
});

/** An active ActivityDefinition naming Endpoint/ep1 by the KT2EndpointExtension. */
export const ad = (id: string, extra: Partial<FhirResource> = {}): StoredResource => ({
  resourceType: 'ActivityDefinition',
  id,
  status: 'active',
  extension: [{ url: EXT_KT2_ENDPOINT, valueReference: { reference: 'Endpoint/ep1' } }],
  ...extra,
});

/** An active Endpoint at `https://module.example.org/{id}/launch` with ext-ClientID `client-{id}`. */
export const endpoint = (id: string, extra: Partial<FhirResource> = {}): StoredResource => ({
  resourceType: 'Endpoint',
  id,
  status: 'active',
  address: `https://module.example.org/${id}/launch`,
  extension: [{ url: EXT_CLIENT_ID, valueString: `client-${id}` }],
  ...extra,
});
