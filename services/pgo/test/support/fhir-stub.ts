/**
 * A tiny FHIR server as a `fetch` function: read by `Type/id`, search by `url` (and `version`)
 * or `owner`, Bearer token required. Every request is recorded.
 */
export type Resource = { resourceType: string; id: string; [element: string]: unknown };

export interface FhirStub {
  fetch: typeof fetch;
  requests: Array<{ url: string; authorization: string | null }>;
  put(resource: Resource): void;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/fhir+json' } });

/** A stub at `base` that accepts the Bearer tokens `tokens()` returns at the time of each request. */
export function fhirStub(base: string, resources: Resource[], tokens: () => readonly string[]): FhirStub {
  const store = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
  const requests: FhirStub['requests'] = [];
  const fetchImpl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const authorization = new Headers(init?.headers).get('authorization');
    requests.push({ url: url.href, authorization });
    if (!url.href.startsWith(`${base}/`)) return json(404, { resourceType: 'OperationOutcome' });
    if (!tokens().some((t) => authorization === `Bearer ${t}`)) return json(401, { resourceType: 'OperationOutcome' });
    const path = url.href.slice(base.length + 1).split('?')[0]!;
    if (path.includes('/')) {
      const found = store.get(path);
      return found ? json(200, found) : json(404, { resourceType: 'OperationOutcome' });
    }
    const matches = [...store.values()].filter(
      (r) =>
        r.resourceType === path &&
        [...url.searchParams].every(([name, value]) =>
          name === 'owner' ? (r.owner as { reference?: string } | undefined)?.reference === value : r[name] === value,
        ),
    );
    return json(200, { resourceType: 'Bundle', type: 'searchset', entry: matches.map((resource) => ({ resource, search: { mode: 'match' } })) });
  };
  return { fetch: fetchImpl as typeof fetch, requests, put: (r) => store.set(`${r.resourceType}/${r.id}`, r) };
}
