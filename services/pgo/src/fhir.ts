/**
 * A small FHIR R4 REST reader for the DVA resource server, used with the collect token
 * (docs/protocol.md §2.3 step 7, §3.1.1 W0). It only ever calls URLs under the configured FHIR base, so
 * the token cannot be sent anywhere else, whatever a resource references (docs/protocol.md §8 item 26).
 */
import { arrayOf, type FhirResource, type LaunchChainReader } from '@koppelmij/core/launch-chain';
import { UpstreamError } from './errors.ts';

export { arrayOf, localReference, type FhirResource, type LocalReference } from '@koppelmij/core/launch-chain';

export interface FhirClientOptions {
  /** The DVA FHIR base, without a trailing slash. */
  base: string;
  accessToken: string;
  fetch: typeof fetch;
  /** Most search pages followed through `next` links (default 10). */
  maxPages?: number;
}

/** The DVA's gate refused a data request: its identity check has not said `match` for this access (or locked it). */
export class IdentityCheckRequired extends UpstreamError {
  constructor() {
    super('DVA FHIR', 'The DVA requires an identity check before it gives data.', { status: 403 });
  }
}

/** docs/identity-check-reference.md "Gate": `403` with an OperationOutcome `security` "identity check required". */
const isIdentityGate = (body: unknown): boolean =>
  (body as { resourceType?: unknown } | undefined)?.resourceType === 'OperationOutcome' &&
  arrayOf((body as { issue?: unknown }).issue).some((i) => (i as { code?: unknown }).code === 'security' && (i as { diagnostics?: unknown }).diagnostics === 'identity check required');

/** A {@link LaunchChainReader} over the DVA's FHIR server with the PGO's collect token. */
export class FhirClient implements LaunchChainReader {
  readonly base: string;
  readonly #options: FhirClientOptions;

  constructor(options: FhirClientOptions) {
    this.base = options.base;
    this.#options = options;
  }

  /** `GET [base]/[type]/[id]`; undefined for 404 and 410 (FHIR R4 http.html#read). */
  async read(type: string, id: string): Promise<FhirResource | undefined> {
    const resource = await this.#get(`${this.base}/${type}/${encodeURIComponent(id)}`, true);
    if (resource === undefined) return undefined;
    if (resource.resourceType !== type || resource.id !== id) {
      throw new UpstreamError('DVA FHIR', `De zorgaanbieder gaf een ander gegeven terug dan ${type}/${id}.`);
    }
    return resource;
  }

  /**
   * `GET [base]/[type]?params`, following `next` links under the base; the `match` entries
   * of `type` (FHIR R4 bundle.html#searchset: `include` and `outcome` entries are left out).
   */
  async search(type: string, params: Record<string, string>): Promise<FhirResource[]> {
    const found: FhirResource[] = [];
    let url: string | undefined = `${this.base}/${type}?${new URLSearchParams(params)}`;
    for (let page = 0; url !== undefined && page < (this.#options.maxPages ?? 10); page++) {
      const bundle = await this.#get(url, false);
      if (bundle?.resourceType !== 'Bundle') throw new UpstreamError('DVA FHIR', 'De zorgaanbieder beantwoordde een zoekvraag zonder Bundle.');
      for (const entry of arrayOf(bundle.entry)) {
        const resource = (entry as { resource?: FhirResource }).resource;
        const mode = (entry as { search?: { mode?: string } }).search?.mode;
        if (resource?.resourceType === type && (mode === undefined || mode === 'match')) found.push(resource);
      }
      const next = arrayOf(bundle.link).find((l) => (l as { relation?: string }).relation === 'next') as { url?: unknown } | undefined;
      url = typeof next?.url === 'string' && next.url.startsWith(`${this.base}/`) ? next.url : undefined;
    }
    return found;
  }

  async #get(url: string, allowMissing: boolean): Promise<FhirResource | undefined> {
    let response: Response;
    try {
      response = await this.#options.fetch(url, {
        headers: { authorization: `Bearer ${this.#options.accessToken}`, accept: 'application/fhir+json' },
        redirect: 'manual', // a redirect could carry the token elsewhere
        signal: AbortSignal.timeout(10_000),
      });
    } catch (cause) {
      throw new UpstreamError('DVA FHIR', 'De zorgaanbieder is niet bereikbaar.', { cause });
    }
    if (allowMissing && (response.status === 404 || response.status === 410)) return undefined;
    // docs/identity-check-reference.md "Gate": the DVA keeps data back until its identity check said `match`
    if (response.status === 403 && isIdentityGate(await response.json().catch(() => undefined))) throw new IdentityCheckRequired();
    if (response.status === 401 || response.status === 403) {
      throw new UpstreamError('DVA FHIR', 'De zorgaanbieder aanvaardt de toegang van deze PGO niet meer. Haal de taken opnieuw op.', {
        status: response.status,
      });
    }
    if (response.status !== 200) {
      throw new UpstreamError('DVA FHIR', 'De zorgaanbieder kon de gegevens niet leveren.', { status: response.status });
    }
    const json: unknown = await response.json().catch(() => undefined);
    if (typeof json !== 'object' || json === null || typeof (json as FhirResource).resourceType !== 'string') {
      throw new UpstreamError('DVA FHIR', 'De zorgaanbieder stuurde iets dat geen FHIR-resource is.');
    }
    return json as FhirResource;
  }
}
