import { describe, expect, it } from 'vitest';
import {
  activityDefinitionLink,
  arrayOf,
  EXT_INSTANTIATES,
  EXT_KT2_ENDPOINT,
  LaunchChainError,
  localReference,
  resolveLaunchTarget,
  resolveModule,
  type FhirResource,
  type LaunchChainReader,
} from '../src/launch-chain/index.ts';
import { ad, CANONICAL, endpoint, task } from './support/launch-chain.ts';

const BASE = 'https://fhir.example.org/fhir';

/** An in-memory server: read by type and id, search by element values; every call is recorded. */
function reader(resources: FhirResource[]): LaunchChainReader & { calls: string[] } {
  const calls: string[] = [];
  return {
    base: BASE,
    calls,
    read: async (type, id) => {
      calls.push(`${type}/${id}`);
      return resources.find((r) => r.resourceType === type && r.id === id);
    },
    search: async (type, params) => {
      calls.push(`${type}?${new URLSearchParams(params)}`);
      return resources.filter((r) => r.resourceType === type && Object.entries(params).every(([name, value]) => r[name] === value));
    },
  };
}

async function chainError(resources: FhirResource[], taskId = 't1'): Promise<LaunchChainError> {
  const error = await resolveLaunchTarget(reader(resources), taskId).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LaunchChainError);
  return error as LaunchChainError;
}

describe('launch chain resolution (docs/protocol.md §6.6)', () => {
  it('follows the instantiates extension and the KT2EndpointExtension', async () => {
    const fhir = reader([task(), ad('ad1'), endpoint('ep1')]);
    const target = await resolveLaunchTarget(fhir, 't1');
    expect(target).toMatchObject({ launchUrl: 'https://module.example.org/ep1/launch', clientId: 'client-ep1' });
    expect(target.task.id).toBe('t1');
    expect(target.activityDefinition.id).toBe('ad1');
    expect(target.endpoint.id).toBe('ep1');
    expect(fhir.calls).toEqual(['Task/t1', 'ActivityDefinition/ad1', 'Endpoint/ep1']);
  });

  it('resolves the module of a Task already read', async () => {
    const fhir = reader([ad('ad1'), endpoint('ep1')]);
    expect((await resolveModule(fhir, task())).clientId).toBe('client-ep1');
    expect(fhir.calls).toEqual(['ActivityDefinition/ad1', 'Endpoint/ep1']);
  });

  it('prefers the extension over instantiatesCanonical', async () => {
    const fhir = reader([task({ instantiatesCanonical: 'ActivityDefinition/ad2' }), ad('ad1'), ad('ad2'), endpoint('ep1')]);
    expect((await resolveLaunchTarget(fhir, 't1')).activityDefinition.id).toBe('ad1');
  });

  it('reads a relative instantiatesCanonical', async () => {
    const fhir = reader([task({ extension: [], instantiatesCanonical: 'ActivityDefinition/ad2' }), ad('ad2'), endpoint('ep1')]);
    expect((await resolveLaunchTarget(fhir, 't1')).activityDefinition.id).toBe('ad2');
  });

  it('searches an absolute canonical with ActivityDefinition?url= and takes the first entry', async () => {
    const fhir = reader([task({ extension: undefined, instantiatesCanonical: CANONICAL }), ad('ad3', { url: CANONICAL }), ad('ad4', { url: CANONICAL }), endpoint('ep1')]);
    expect((await resolveLaunchTarget(fhir, 't1')).activityDefinition.id).toBe('ad3');
    expect(fhir.calls[1]).toBe(`ActivityDefinition?${new URLSearchParams({ url: CANONICAL })}`);
  });

  it('sends the |version of a canonical as the version parameter', async () => {
    const resources = [task({ extension: undefined, instantiatesCanonical: `${CANONICAL}|2` }), ad('v1', { url: CANONICAL, version: '1' })];
    const fhir = reader([...resources, ad('v2', { url: CANONICAL, version: '2' }), endpoint('ep1')]);
    expect((await resolveLaunchTarget(fhir, 't1')).activityDefinition.id).toBe('v2');
  });

  it('falls back to ActivityDefinition.endpoint[0] without the KT2EndpointExtension', async () => {
    const fhir = reader([task(), ad('ad1', { extension: undefined, endpoint: [{ reference: 'Endpoint/ep2' }] }), endpoint('ep2')]);
    expect((await resolveLaunchTarget(fhir, 't1')).clientId).toBe('client-ep2');
  });

  it('prefers the KT2EndpointExtension over ActivityDefinition.endpoint', async () => {
    const fhir = reader([task(), ad('ad1', { endpoint: [{ reference: 'Endpoint/ep2' }] }), endpoint('ep1'), endpoint('ep2')]);
    expect((await resolveLaunchTarget(fhir, 't1')).clientId).toBe('client-ep1');
  });

  it('takes the first active Endpoint', async () => {
    const extension = ['Endpoint/ep1', 'Endpoint/ep2'].map((reference) => ({ url: EXT_KT2_ENDPOINT, valueReference: { reference } }));
    const fhir = reader([task(), ad('ad1', { extension }), endpoint('ep1', { status: 'off' }), endpoint('ep2')]);
    expect((await resolveLaunchTarget(fhir, 't1')).clientId).toBe('client-ep2');
  });

  it('reads an absolute reference under the FHIR base as a literal reference', async () => {
    const ext = [{ url: EXT_INSTANTIATES, valueReference: { reference: `${BASE}/ActivityDefinition/ad1` } }];
    const fhir = reader([task({ extension: ext }), ad('ad1'), endpoint('ep1')]);
    expect((await resolveLaunchTarget(fhir, 't1')).activityDefinition.id).toBe('ad1');
  });

  it('searches an absolute extension reference outside the FHIR base as a canonical', async () => {
    const ext = [{ url: EXT_INSTANTIATES, valueReference: { reference: CANONICAL } }];
    const fhir = reader([task({ extension: ext }), ad('ad1', { url: CANONICAL }), endpoint('ep1')]);
    expect((await resolveLaunchTarget(fhir, 't1')).activityDefinition.id).toBe('ad1');
    expect(fhir.calls[1]).toBe(`ActivityDefinition?${new URLSearchParams({ url: CANONICAL })}`);
  });

  it('accepts http only for loopback names (the demo)', async () => {
    for (const address of ['http://module.localhost:4300/launch', 'http://localhost./launch', 'http://127.0.0.1:4300/launch', 'http://[::1]/launch']) {
      const fhir = reader([task(), ad('ad1'), endpoint('ep1', { address })]);
      expect((await resolveLaunchTarget(fhir, 't1')).launchUrl).toBe(address);
    }
  });
});

describe('launch chain missing links (docs/protocol.md §8 item 25)', () => {
  it('a Task the server does not know → task_not_found', async () => {
    const error = await chainError([], 'nope');
    expect(error).toMatchObject({ code: 'task_not_found', name: 'LaunchChainError' });
    expect(error.message).toBe('The DVA does not know Task nope.');
  });

  it('no instantiates extension and no instantiatesCanonical → task_without_activity_definition', async () => {
    const error = await chainError([task({ extension: [{ url: EXT_INSTANTIATES, valueReference: {} }] }), ad('ad1'), endpoint('ep1')]);
    expect(error).toMatchObject({ code: 'task_without_activity_definition' });
    expect(error.message).toContain('Task t1 has no link to an ActivityDefinition');
  });

  it('an ActivityDefinition the server does not know → activity_definition_not_found', async () => {
    expect(await chainError([task(), endpoint('ep1')])).toMatchObject({ code: 'activity_definition_not_found' });
  });

  it('a canonical no ActivityDefinition has → activity_definition_not_found', async () => {
    const error = await chainError([task({ extension: undefined, instantiatesCanonical: CANONICAL }), ad('ad1', { url: 'http://other' })]);
    expect(error).toMatchObject({ code: 'activity_definition_not_found' });
    expect(error.message).toContain(CANONICAL);
  });

  it('a link to another resource type → activity_definition_not_found', async () => {
    const ext = [{ url: EXT_INSTANTIATES, valueReference: { reference: 'Questionnaire/q1' } }];
    expect(await chainError([task({ extension: ext })])).toMatchObject({ code: 'activity_definition_not_found' });
  });

  it('a malformed relative link → activity_definition_not_found', async () => {
    expect(await chainError([task({ extension: undefined, instantiatesCanonical: 'ActivityDefinition/a b' })])).toMatchObject({
      code: 'activity_definition_not_found',
    });
  });

  it('an ActivityDefinition without endpoint → activity_definition_without_endpoint', async () => {
    const error = await chainError([task(), ad('ad1', { extension: undefined })]);
    expect(error).toMatchObject({ code: 'activity_definition_without_endpoint' });
  });

  it('an Endpoint the server does not know → endpoint_not_found', async () => {
    expect(await chainError([task(), ad('ad1')])).toMatchObject({ code: 'endpoint_not_found' });
  });

  it('an Endpoint on another server → endpoint_not_found, without reading it', async () => {
    const extension = [{ url: EXT_KT2_ENDPOINT, valueReference: { reference: 'https://evil.example/fhir/Endpoint/ep1' } }];
    const fhir = reader([task(), ad('ad1', { extension }), endpoint('ep1')]);
    await expect(resolveLaunchTarget(fhir, 't1')).rejects.toMatchObject({ code: 'endpoint_not_found' });
    expect(fhir.calls).toEqual(['Task/t1', 'ActivityDefinition/ad1']);
  });

  it('only inactive Endpoints → endpoint_inactive', async () => {
    expect(await chainError([task(), ad('ad1'), endpoint('ep1', { status: 'suspended' })])).toMatchObject({ code: 'endpoint_inactive' });
  });

  it('an Endpoint without address → endpoint_without_address', async () => {
    expect(await chainError([task(), ad('ad1'), endpoint('ep1', { address: undefined })])).toMatchObject({ code: 'endpoint_without_address' });
  });

  it.each([
    'http://module.example.org/launch',
    'javascript:alert(1)',
    'https://user:pw@module.example.org/launch',
    'https://module.example.org/launch#frag',
    'not a url',
  ])('an address the launch code must not go to (%s) → endpoint_address_not_allowed', async (address) => {
    expect(await chainError([task(), ad('ad1'), endpoint('ep1', { address })])).toMatchObject({ code: 'endpoint_address_not_allowed' });
  });

  it('an Endpoint without ext-ClientID → endpoint_without_client_id', async () => {
    expect(await chainError([task(), ad('ad1'), endpoint('ep1', { extension: [] })])).toMatchObject({ code: 'endpoint_without_client_id' });
  });
});

describe('launch chain references (FHIR R4 §2.3.0)', () => {
  it('reads relative and base-absolute literal references, nothing else', () => {
    expect(localReference('Task/t1', BASE)).toEqual({ type: 'Task', id: 't1' });
    expect(localReference(`${BASE}/Task/t1`, BASE)).toEqual({ type: 'Task', id: 't1' });
    expect(localReference('https://other.example/fhir/Task/t1', BASE)).toBeUndefined();
    expect(localReference('Task/t1/_history/2', BASE)).toBeUndefined();
  });

  it('names where the ActivityDefinition link came from', () => {
    expect(activityDefinitionLink(task())).toEqual({ source: 'extension', reference: 'ActivityDefinition/ad1' });
    expect(activityDefinitionLink(task({ extension: undefined, instantiatesCanonical: CANONICAL }))).toEqual({
      source: 'instantiatesCanonical',
      reference: CANONICAL,
    });
    expect(activityDefinitionLink(task({ extension: 'not an array' }))).toBeUndefined();
  });

  it('treats a non-array element as empty', () => {
    expect(arrayOf({ reference: 'Endpoint/ep1' })).toEqual([]);
    expect(arrayOf([1])).toEqual([1]);
  });
});
