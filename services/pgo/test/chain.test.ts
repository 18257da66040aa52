import { describe, expect, it } from 'vitest';
import { EXT_INSTANTIATES, EXT_KT2_ENDPOINT, LaunchChainError, resolveLaunchTarget } from '../src/chain.ts';
import { FhirClient } from '../src/fhir.ts';
import { moduleLaunchUrl } from '../src/launch-redirect.ts';
import { ad, CANONICAL, endpoint, task } from '../../../packages/core/test/support/launch-chain.ts';
import { fhirStub, type Resource } from './support/fhir-stub.ts';

const BASE = 'http://fhir.localhost:4200/fhir';
const TOKEN = 'collect-token';

function setup(resources: Resource[]) {
  const stub = fhirStub(BASE, resources, () => [TOKEN]);
  return { stub, fhir: new FhirClient({ base: BASE, accessToken: TOKEN, fetch: stub.fetch }) };
}

async function chainError(resources: Resource[], taskId = 't1'): Promise<LaunchChainError> {
  const { fhir } = setup(resources);
  const error = await resolveLaunchTarget(fhir, taskId).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LaunchChainError);
  return error as LaunchChainError;
}

// The rule itself is tested in packages/core/test/launch-chain.test.ts; here: the collect token,
// the FhirClient's requests and the person's error page.
describe('W0 chain resolution (docs/protocol.md §6.6)', () => {
  it('follows the instantiates extension and the KT2EndpointExtension, with the collect token', async () => {
    const { fhir, stub } = setup([task(), ad('ad1'), endpoint('ep1')]);
    const target = await resolveLaunchTarget(fhir, 't1');
    expect(target).toMatchObject({ launchUrl: 'https://module.example.org/ep1/launch', clientId: 'client-ep1' });
    expect(target.activityDefinition.id).toBe('ad1');
    expect(stub.requests.map((r) => r.url)).toEqual([`${BASE}/Task/t1`, `${BASE}/ActivityDefinition/ad1`, `${BASE}/Endpoint/ep1`]);
    expect(stub.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('searches an absolute canonical with ActivityDefinition?url= and takes the first entry', async () => {
    const { fhir, stub } = setup([task({ extension: undefined, instantiatesCanonical: CANONICAL }), ad('ad3', { url: CANONICAL }), endpoint('ep1')]);
    expect((await resolveLaunchTarget(fhir, 't1')).activityDefinition.id).toBe('ad3');
    expect(stub.requests[1]!.url).toBe(`${BASE}/ActivityDefinition?url=${encodeURIComponent(CANONICAL)}`);
  });

  it('reads an absolute reference under the DVA FHIR base as a literal reference', async () => {
    const ext = [{ url: EXT_INSTANTIATES, valueReference: { reference: `${BASE}/ActivityDefinition/ad1` } }];
    const { fhir } = setup([task({ extension: ext }), ad('ad1'), endpoint('ep1')]);
    expect((await resolveLaunchTarget(fhir, 't1')).activityDefinition.id).toBe('ad1');
  });
});

describe('W0 missing links (docs/protocol.md §8 item 25)', () => {
  it('a Task the DVA does not know → task_not_found, 404', async () => {
    const error = await chainError([], 'nope');
    expect(error).toMatchObject({ code: 'task_not_found', status: 404 });
  });

  it('no instantiates extension and no instantiatesCanonical → task_without_activity_definition', async () => {
    const error = await chainError([task({ extension: [{ url: EXT_INSTANTIATES, valueReference: {} }] }), ad('ad1'), endpoint('ep1')]);
    expect(error).toMatchObject({ code: 'task_without_activity_definition', status: 422 });
    expect(error.message).toContain('Task t1 has no link to an ActivityDefinition');
  });

  it('an Endpoint on another server → endpoint_not_found, and the collect token stays at the DVA', async () => {
    const extension = [{ url: EXT_KT2_ENDPOINT, valueReference: { reference: 'https://evil.example/fhir/Endpoint/ep1' } }];
    const { fhir, stub } = setup([task(), ad('ad1', { extension })]);
    await expect(resolveLaunchTarget(fhir, 't1')).rejects.toMatchObject({ code: 'endpoint_not_found' });
    expect(stub.requests.every((r) => r.url.startsWith(`${BASE}/`))).toBe(true);
  });
});

describe('W9 launch URL (docs/protocol.md §1.4 [impl])', () => {
  it('keeps the address query and lets the PGO iss win', () => {
    const address = 'https://aanbiedermodule.example.org/web/api/smartonfhir/launch?iss=resourceserver.example.dva.nl&tenant=7';
    const url = moduleLaunchUrl(address, BASE, 'code-123');
    expect(url.origin + url.pathname).toBe('https://aanbiedermodule.example.org/web/api/smartonfhir/launch');
    expect([...url.searchParams]).toEqual([
      ['iss', BASE],
      ['tenant', '7'],
      ['launch', 'code-123'],
    ]);
  });

  it('adds iss and launch to an address without query, encoded', () => {
    expect(moduleLaunchUrl('https://module.example.nl/launch', BASE, 'a+b/c=').href).toBe(
      `https://module.example.nl/launch?iss=${encodeURIComponent(BASE)}&launch=a%2Bb%2Fc%3D`,
    );
  });
});
