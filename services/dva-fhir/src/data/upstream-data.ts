/**
 * The FHIR data of a vendor's existing FHIR server (`FHIR_UPSTREAM_URL`, docs/decisions.md I92):
 * dva-fhir stays the Koppelmij resource server in front of it (tokens, DPoP, launch context,
 * compartments, the identity check) and forwards only what its policy let through. The client's
 * token never travels upstream; dva-fhir authenticates with its own (a static bearer, optional).
 * References under the upstream's base are rewritten to dva-fhir's base and back, so the policy
 * sees the references it knows. Whatever cannot be answered is a 503: never a guess.
 */
import { FhirError } from '@koppelmij/core/errors';
import { dataUnavailable, VersionConflict, type FhirData, type ListOptions } from './fhir-data.ts';
import { isObject, type FhirResource } from './resource.ts';

export interface UpstreamOptions {
  /** The vendor's FHIR base, no trailing slash. */
  url: string;
  /** dva-fhir's own public base. */
  fhirBase: string;
  /** `Authorization: Bearer <token>` on every upstream request, when the upstream wants one. */
  token?: string;
  /** Per request, ms (default 5000). */
  timeout?: number;
  /** Search result pages followed at most (default 10). */
  maxPages?: number;
}

/** The search parameter that narrows a type to a patient's compartment upstream (FHIR R4 search parameters). */
const COMPARTMENT_PARAMETER: Readonly<Record<string, string>> = {
  Task: 'patient', // Task.for; a Task the patient only owns is not asked for (docs/deploy-fhir.md)
  ServiceRequest: 'patient',
  Observation: 'patient',
  QuestionnaireResponse: 'patient',
  AuditEvent: 'patient',
};

const FHIR_JSON = 'application/fhir+json';

export class UpstreamFhirData implements FhirData {
  readonly #options: Required<Omit<UpstreamOptions, 'token'>> & Pick<UpstreamOptions, 'token'>;

  constructor(options: UpstreamOptions) {
    this.#options = { timeout: 5000, maxPages: 10, ...options };
  }

  async read(type: string, id: string): Promise<FhirResource | undefined> {
    const response = await this.#fetch(`/${type}/${id}`);
    if (response.status === 404 || response.status === 410) return undefined;
    const resource = await this.#resource(response, 200);
    return resource.resourceType === type && resource.id === id ? resource : undefined;
  }

  async list(type: string, options: ListOptions = {}): Promise<FhirResource[]> {
    const query = new URLSearchParams();
    for (const [name, value] of options.params ?? []) query.append(name, this.#rebase(value, 'out'));
    if (options.patient !== undefined) {
      if (type === 'Patient') query.append('_id', options.patient);
      else if (Object.hasOwn(COMPARTMENT_PARAMETER, type)) query.append(COMPARTMENT_PARAMETER[type]!, `Patient/${options.patient}`);
    }
    const found: FhirResource[] = [];
    let next: string | undefined = `/${type}${query.size > 0 ? `?${query}` : ''}`;
    for (let page = 0; next !== undefined && page < this.#options.maxPages; page++) {
      const bundle = await this.#json(await this.#fetch(next), 200);
      if (bundle.resourceType !== 'Bundle' || !Array.isArray(bundle.entry ?? [])) throw dataUnavailable();
      for (const entry of (bundle.entry as unknown[] | undefined) ?? []) {
        const resource = isObject(entry) ? entry.resource : undefined;
        // FHIR R4 §3.1.1.2: `include` and `outcome` entries are not matches
        if (isObject(resource) && resource.resourceType === type && (!isObject(entry) || !isObject(entry.search) || entry.search.mode !== 'include')) {
          found.push(resource as FhirResource);
        }
      }
      next = this.#nextPage(bundle);
    }
    return found;
  }

  async create(resource: FhirResource): Promise<FhirResource> {
    const { id: _id, meta: _meta, ...body } = this.#rebase(resource, 'out') as FhirResource;
    const response = await this.#fetch(`/${resource.resourceType}`, { method: 'POST', body, headers: { prefer: 'return=representation' } });
    return this.#resource(response, 201);
  }

  async update(resource: FhirResource, versionId: string): Promise<FhirResource> {
    const response = await this.#fetch(`/${resource.resourceType}/${resource.id}`, {
      method: 'PUT',
      body: this.#rebase(resource, 'out'),
      // FHIR R4 §3.1.0.4.2: the upstream writes only over the version this request read
      headers: { 'if-match': `W/"${versionId}"`, prefer: 'return=representation' },
    });
    if (response.status === 409 || response.status === 412) throw new VersionConflict();
    return this.#resource(response, 200);
  }

  async close(): Promise<void> {}

  async #fetch(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `${this.#options.url}${path}`;
    try {
      return await fetch(url, {
        method: init.method ?? 'GET',
        headers: {
          accept: FHIR_JSON,
          ...(init.body !== undefined && { 'content-type': FHIR_JSON }),
          ...(this.#options.token !== undefined && { authorization: `Bearer ${this.#options.token}` }),
          ...init.headers,
        },
        ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
        redirect: 'error',
        signal: AbortSignal.timeout(this.#options.timeout),
      });
    } catch (cause) {
      throw Object.assign(dataUnavailable(), { cause });
    }
  }

  /** A resource answer: `expected` (or 200/201), else the upstream's refusal of the client's resource (4xx), else 503. */
  async #resource(response: Response, expected: number): Promise<FhirResource> {
    const body = await this.#json(response, expected);
    if (typeof body.resourceType !== 'string' || typeof body.id !== 'string') throw dataUnavailable();
    return body as FhirResource;
  }

  async #json(response: Response, expected: number): Promise<Record<string, unknown>> {
    if (response.status === 400 || response.status === 422) {
      await response.body?.cancel();
      // the upstream refused the resource the client sent; its diagnostics stay upstream
      throw new FhirError(response.status, response.status === 400 ? 'invalid' : 'business-rule', 'The FHIR server refused the resource');
    }
    if (response.status !== expected && !(response.ok && expected === 201)) {
      await response.body?.cancel();
      throw dataUnavailable();
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      throw Object.assign(dataUnavailable(), { cause });
    }
    if (!isObject(body)) throw dataUnavailable();
    return this.#rebase(body, 'in') as Record<string, unknown>;
  }

  /** The `next` link of a searchset, only under the upstream's own base (no request elsewhere). */
  #nextPage(bundle: Record<string, unknown>): string | undefined {
    const links = Array.isArray(bundle.link) ? bundle.link.filter(isObject) : [];
    const next = links.find((l) => l.relation === 'next')?.url;
    if (typeof next !== 'string') return undefined;
    // the bundle was rebased `in`: its links name dva-fhir's base now
    const upstream = this.#rebase(next, 'out');
    return upstream.startsWith(`${this.#options.url}/`) || upstream.startsWith(`${this.#options.url}?`) ? upstream : undefined;
  }

  /** Every string under one base moved to the other: `in` upstream → dva-fhir, `out` back. */
  #rebase<T>(value: T, direction: 'in' | 'out'): T {
    const [from, to] = direction === 'in' ? [this.#options.url, this.#options.fhirBase] : [this.#options.fhirBase, this.#options.url];
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return v === from || v.startsWith(`${from}/`) ? `${to}${v.slice(from.length)}` : v;
      if (Array.isArray(v)) return v.map(walk);
      if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, walk(e)]));
      return v;
    };
    return walk(value) as T;
  }
}
