import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../src/errors.ts';
import { FhirClient, localReference } from '../src/fhir.ts';

const BASE = 'http://fhir.localhost:4200/fhir';

function client(pages: Record<string, unknown>, status = 200) {
  const requests: string[] = [];
  const fetchImpl = (async (input: string | URL | Request) => {
    requests.push(String(input));
    return new Response(JSON.stringify(pages[String(input)] ?? {}), { status });
  }) as typeof fetch;
  return { requests, fhir: new FhirClient({ base: BASE, accessToken: 'collect-token', fetch: fetchImpl }) };
}

const bundle = (ids: string[], next?: string) => ({
  resourceType: 'Bundle',
  entry: ids.map((id) => ({ resource: { resourceType: 'Task', id }, search: { mode: 'match' } })),
  ...(next && { link: [{ relation: 'next', url: next }] }),
});

describe('FhirClient: the collect token goes to the DVA FHIR base only (docs/protocol.md §8 item 26)', () => {
  it('follows next links under the base', async () => {
    const { fhir } = client({ [`${BASE}/Task?owner=Patient%2Fp`]: bundle(['a'], `${BASE}/Task?page=2`), [`${BASE}/Task?page=2`]: bundle(['b']) });
    expect((await fhir.search('Task', { owner: 'Patient/p' })).map((t) => t.id)).toEqual(['a', 'b']);
  });

  it('does not follow a next link to another server', async () => {
    const { fhir, requests } = client({ [`${BASE}/Task?owner=Patient%2Fp`]: bundle(['a'], 'https://evil.example/fhir/Task?page=2') });
    expect((await fhir.search('Task', { owner: 'Patient/p' })).map((t) => t.id)).toEqual(['a']);
    expect(requests).toHaveLength(1);
  });

  it('leaves out include and outcome entries', async () => {
    const page = bundle(['a']);
    page.entry.push({ resource: { resourceType: 'Task', id: 'inc' }, search: { mode: 'include' } });
    const { fhir } = client({ [`${BASE}/Task?`]: page });
    expect((await fhir.search('Task', {})).map((t) => t.id)).toEqual(['a']);
  });

  it('refuses a read answered with another resource', async () => {
    const { fhir } = client({ [`${BASE}/Task/a`]: { resourceType: 'Task', id: 'b' } });
    await expect(fhir.read('Task', 'a')).rejects.toBeInstanceOf(UpstreamError);
  });

  it('reads 404 as absent and 401 as an upstream error', async () => {
    expect(await client({}, 404).fhir.read('Task', 'a')).toBeUndefined();
    await expect(client({}, 401).fhir.read('Task', 'a')).rejects.toMatchObject({ status: 502, upstreamStatus: 401 });
  });

  it('reads literal references: relative, or absolute under the base only', () => {
    expect(localReference('Endpoint/e1', BASE)).toEqual({ type: 'Endpoint', id: 'e1' });
    expect(localReference(`${BASE}/Endpoint/e1`, BASE)).toEqual({ type: 'Endpoint', id: 'e1' });
    expect(localReference('https://evil.example/fhir/Endpoint/e1', BASE)).toBeUndefined();
    expect(localReference('Endpoint/e1/_history/2', BASE)).toBeUndefined();
  });
});
