import type { z } from 'zod';
import type { DpopClient } from '@koppelmij/core/dpop';
import type { Fetch } from './dpop.ts';
import { isFhirId } from '@koppelmij/core/fhir';

/** A FHIR interaction that failed; `status` is the HTTP status (0 when the server was unreachable or answered nonsense). */
export class FhirRequestError extends Error {
  readonly status: number;

  constructor(interaction: string, status: number, options?: { cause?: unknown }) {
    super(`FHIR ${interaction} failed (${status})`, options);
    this.name = 'FhirRequestError';
    this.status = status;
  }
}

/** The module's access to one FHIR base with one access token. */
export interface FhirAccess {
  fetch: Fetch;
  /** The FHIR base (`iss`), without a trailing slash. */
  base: string;
  accessToken: string;
  /** RFC 9449 §5: `DPoP` when the token is bound to `dpop.key`; `Bearer` otherwise (RFC 6750). */
  tokenType: 'DPoP' | 'Bearer';
  dpop: DpopClient;
}

const FHIR_JSON = 'application/fhir+json';

/**
 * The FHIR RESTful calls the module makes (docs/protocol.md §1.2, W18, §4.8), from the backend only: the
 * access token never leaves it (docs/protocol.md §8 item 32). With a DPoP-bound token every request carries
 * `Authorization: DPoP …` and a fresh proof with `ath` (RFC 9449 §7.1), and a `use_dpop_nonce`
 * challenge is answered once (RFC 9449 §9).
 */
export class FhirClient {
  readonly #access: FhirAccess;

  constructor(access: FhirAccess) {
    this.#access = access;
  }

  /** `GET [base]/[type]/[id]` (FHIR R4 RESTful API "read"). */
  async read<T>(type: string, id: string, schema: z.ZodType<T>): Promise<T> {
    const response = await this.#send('GET', `${type}/${checkId(id)}`);
    return parse(`read ${type}`, response, schema);
  }

  /** `POST [base]/[type]` (FHIR R4 "create"); returns the new logical id from the body or the `Location` header. */
  async create(resource: { resourceType: string }): Promise<string> {
    const interaction = `create ${resource.resourceType}`;
    const response = await this.#send('POST', resource.resourceType, resource, { prefer: 'return=representation' });
    if (response.status !== 201 && response.status !== 200) throw await failure(interaction, response);
    const body: unknown = await response.json().catch(() => undefined);
    const fromBody = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
    // FHIR R4 "create": Location is [base]/[type]/[id]/_history/[vid]
    const fromLocation = new RegExp(`(?:^|/)${resource.resourceType}/([^/]+)(?:/_history/[^/]+)?$`).exec(response.headers.get('location') ?? '')?.[1];
    const id = typeof fromBody === 'string' ? fromBody : fromLocation;
    if (id === undefined || !isFhirId(id)) throw new FhirRequestError(interaction, 0);
    return id;
  }

  /** `PATCH [base]/[type]/[id]` with a FHIRPath Patch `Parameters` body (FHIR R4 RESTful API "patch"; docs/protocol.md §4.8). */
  async patch(type: string, id: string, parameters: { resourceType: 'Parameters' }): Promise<void> {
    const response = await this.#send('PATCH', `${type}/${checkId(id)}`, parameters);
    if (!response.ok) throw await failure(`patch ${type}`, response);
    await response.body?.cancel();
  }

  async #send(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<Response> {
    const { accessToken, tokenType } = this.#access;
    const url = `${this.#access.base}/${path}`;
    const init = {
      method,
      headers: {
        ...extra,
        accept: FHIR_JSON,
        authorization: `${tokenType} ${accessToken}`,
        ...(body !== undefined && { 'content-type': FHIR_JSON }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    };
    try {
      return tokenType === 'DPoP'
        ? await this.#access.dpop.fetch(url, init, { accessToken })
        : await this.#access.fetch(url, { ...init, redirect: 'error' });
    } catch (error) {
      throw new FhirRequestError(`${method} ${path.split('/')[0]}`, 0, { cause: error });
    }
  }
}

function checkId(id: string): string {
  if (!isFhirId(id)) throw new FhirRequestError('request', 0);
  return id;
}

async function parse<T>(interaction: string, response: Response, schema: z.ZodType<T>): Promise<T> {
  if (!response.ok) throw await failure(interaction, response);
  const parsed = schema.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new FhirRequestError(interaction, 0, { cause: parsed.error });
  return parsed.data;
}

async function failure(interaction: string, response: Response): Promise<FhirRequestError> {
  await response.body?.cancel();
  return new FhirRequestError(interaction, response.status);
}
