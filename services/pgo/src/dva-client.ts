/**
 * The PGO as an OAuth client of the DVA authorization server: the token endpoint (authorization
 * code, refresh, token exchange) and PAR, each authenticated with `private_key_jwt`
 * (RFC 7523 §2.2; docs/protocol.md §1.6 leaves the method to the implementation).
 */
import { z } from 'zod';
import { oauthErrorCode } from '@koppelmij/core';
import { createClientAssertion, CLIENT_ASSERTION_TYPE, type ClientAssertionAlgorithm } from '@koppelmij/core/client-auth';
import type { TokenExchangeResponse } from '@koppelmij/core/token-exchange';
import type { PersonData } from '@koppelmij/core/identity';
import type { SigningKey } from '@koppelmij/service-kit';
import { UpstreamError } from './errors.ts';
import { isFhirId } from '@koppelmij/core/fhir';

export interface DvaClientOptions {
  /** The DVA issuer; also the one `aud` of the client assertion (docs/decisions-protocol.md D1). */
  dvaAuthUrl: string;
  clientId: string;
  signingKey: SigningKey;
  fetch: typeof fetch;
}

/** A token endpoint answer for the PGO's own grants (docs/protocol.md §2.3 step 6). Never sent to a browser. */
export interface DvaTokens {
  access_token: string;
  expires_in: number | undefined;
  refresh_token: string | undefined;
  scope: string | undefined;
  /** The FHIR id of the patient; `Patient/<id>` answers are reduced to the id (docs/decisions-protocol.md D10). */
  patient: string | undefined;
  /** Present when a representative chose the patient at DigiD (RFC 8693 §4.1 shape; docs/identity-check-reference.md). */
  act?: { sub: string };
  /** Safeguard 4.2.4: the patient's identifying data, when the DVA sends it (docs/identity-check-reference.md). */
  patient_identity?: PersonData;
}

// RFC 6749 §5.1; docs/protocol.md §2.3 step 6. Unknown members (an id_token, for one) are ignored.
const TokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().min(1),
  expires_in: z.number().positive().optional(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
  patient: z.string().optional(),
  act: z.object({ sub: z.string().min(1) }).optional(),
  patient_identity: z
    .object({ family: z.string().max(200).optional(), given: z.array(z.string().max(100)).max(10).optional(), birthDate: z.string().max(10).optional() })
    .optional(),
});

// RFC 9126 §2.2
const ParResponse = z.object({ request_uri: z.string().min(1), expires_in: z.number().int().positive() });

// RFC 8693 §2.2.1; the members beyond it (the launch context of options 2a/2b, docs/protocol.md §3.3 step 11) are kept
const ExchangeResponse = z.looseObject({
  access_token: z.string().min(1),
  issued_token_type: z.string().min(1),
  token_type: z.string().min(1),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
});


/** `123` or `Patient/123` (docs/protocol.md §4.3 shows both) → `123`; anything else → undefined. */
export function patientId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const id = value.startsWith('Patient/') ? value.slice('Patient/'.length) : value;
  return isFhirId(id) ? id : undefined;
}

export class DvaClient {
  readonly #options: DvaClientOptions;

  constructor(options: DvaClientOptions) {
    this.#options = options;
  }

  /** The DVA's authorization endpoint (docs/protocol.md §1.1). */
  get authorizationEndpoint(): string {
    return `${this.#options.dvaAuthUrl}/authorize`;
  }

  /** RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5): the collect leg's step 5, and the 3a-P step-up. */
  async authorizationCodeGrant(input: { code: string; redirectUri: string; codeVerifier: string }): Promise<DvaTokens> {
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code: input.code,
      redirect_uri: input.redirectUri,
      code_verifier: input.codeVerifier,
    });
    return parseTokens(await this.#post('/token', body, 200));
  }

  /** RFC 6749 §6: renews the collect token under long-term consent (docs/protocol.md §2.1). */
  async refreshTokenGrant(refreshToken: string): Promise<DvaTokens> {
    const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
    return parseTokens(await this.#post('/token', body, 200));
  }

  /**
   * RFC 7009 §2.1: revokes an access token (at the DVA this ends its grant, decision I9). Used
   * when a safeguard refuses the token (docs/identity-check-reference.md); RFC 7009 §2.2 answers 200 also for an
   * unknown token.
   */
  async revoke(accessToken: string): Promise<void> {
    await this.#post('/revoke', new URLSearchParams({ token: accessToken, token_type_hint: 'access_token' }), 200);
  }

  /** RFC 9126 §2.1: docs/protocol.md §3.1.1 W1; the answer is W2 (`201 Created`, RFC 9126 §2.2). */
  async pushAuthorizationRequest(params: Record<string, string>): Promise<{ requestUri: string; expiresIn: number }> {
    const parsed = ParResponse.safeParse(await this.#post('/par', new URLSearchParams(params), 201));
    if (!parsed.success) throw new UpstreamError('DVA', 'The DVA sent an unusable pushed authorization response.');
    return { requestUri: parsed.data.request_uri, expiresIn: parsed.data.expires_in };
  }

  /** RFC 8693 §2.1 token exchange (docs/protocol.md §3.1.1 W7, §3.1.2 step 2); the raw §2.2.1 answer. */
  async tokenExchange(body: URLSearchParams): Promise<TokenExchangeResponse & Record<string, unknown>> {
    const parsed = ExchangeResponse.safeParse(await this.#post('/token', body, 200));
    if (!parsed.success) throw new UpstreamError('DVA', 'The DVA sent an unusable token exchange response.');
    return parsed.data;
  }

  /** POSTs a form with client authentication; the JSON body when the status is `expected`. */
  async #post(path: string, body: URLSearchParams, expected: number): Promise<unknown> {
    const { dvaAuthUrl, clientId, signingKey } = this.#options;
    // RFC 7523 §2.2; RFC 7521 §4.2: client_id may accompany the assertion and must equal its `sub`.
    body.set('client_id', clientId);
    body.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
    body.set(
      'client_assertion',
      await createClientAssertion({
        clientId,
        audience: dvaAuthUrl,
        privateKey: signingKey.privateKey,
        alg: signingKey.alg as ClientAssertionAlgorithm,
        kid: signingKey.kid,
      }),
    );
    let response: Response;
    try {
      response = await this.#options.fetch(`${dvaAuthUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(10_000),
      });
    } catch (cause) {
      throw new UpstreamError('DVA', 'The DVA could not be reached.', { cause });
    }
    const json: unknown = await response.json().catch(() => undefined);
    if (response.status === expected) return json;
    // RFC 6749 §5.2 error body; only a well-formed `error` code is kept.
    const error = oauthErrorCode((json as { error?: unknown } | undefined)?.error);
    const message = error ? `The DVA refused the request (${error}).` : 'The DVA refused the request.';
    throw new UpstreamError('DVA', message, { error, status: response.status });
  }
}

function parseTokens(json: unknown): DvaTokens {
  const parsed = TokenResponse.safeParse(json);
  if (!parsed.success) throw new UpstreamError('DVA', 'The DVA sent an unusable token response.');
  const t = parsed.data;
  // RFC 6749 §7.1: the type name is case-insensitive; the PGO sends its tokens as Bearer (RFC 6750).
  if (t.token_type.toLowerCase() !== 'bearer') throw new UpstreamError('DVA', 'The DVA issued a token type this PGO does not use.');
  const patient = patientId(t.patient);
  if (t.patient !== undefined && patient === undefined) throw new UpstreamError('DVA', 'The DVA sent a malformed patient.');
  return {
    access_token: t.access_token, expires_in: t.expires_in, refresh_token: t.refresh_token, scope: t.scope, patient,
    ...(t.act && { act: t.act }),
    ...(t.patient_identity && { patient_identity: t.patient_identity }),
  };
}
