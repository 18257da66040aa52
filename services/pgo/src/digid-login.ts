/**
 * The PGO's own login (docs/protocol.md §2.1: "Browser→PGO login"): a plain OpenID Connect relying party
 * of the DigiD mock, authorization code flow with PKCE. The id_token names the person (`bsn`,
 * `name`, `birthdate`) and, under representation, the representative (`act`).
 */
import type { FastifyInstance } from 'fastify';
import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import { oauthErrorCode } from '@koppelmij/core';
import { authorizationUrl, startAuthorization } from '@koppelmij/core/authorization';
import type { PersonData } from '@koppelmij/core/identity';
import { z } from 'zod';
import type { Accounts } from './accounts.ts';
import { readCallback } from './callback.ts';
import { UpstreamError } from './errors.ts';
import { checkCsrf, type DossierRef, type Sessions } from './session.ts';

export interface DigidOptions {
  /** The DigiD issuer (OpenID Connect Discovery §4.3: the discovered `issuer` must equal it). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  redirectUri: string;
  fetch: typeof fetch;
}

// OpenID Connect Discovery 1.0 §3
const Metadata = z.object({
  issuer: z.string(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
  authorization_response_iss_parameter_supported: z.boolean().optional(), // RFC 9207 §3
});
type Metadata = z.infer<typeof Metadata>;

// The claims the DigiD mock asserts; `act` (RFC 8693 §4.1) names the representative.
const IdTokenClaims = z.object({
  bsn: z.string().regex(/^[0-9]{9}$/),
  name: z.string().min(1),
  family_name: z.string().min(1).optional(),
  given_name: z.string().min(1).optional(),
  birthdate: z.string().optional(),
  act: z.record(z.string(), z.unknown()).optional(),
});
export type IdTokenClaims = z.infer<typeof IdTokenClaims>;

// Asymmetric algorithms only: never `none`, never a MAC keyed with the client secret.
const ID_TOKEN_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'];

export class DigidClient {
  readonly #options: DigidOptions;
  #metadata: Promise<{ metadata: Metadata; jwks: ReturnType<typeof createRemoteJWKSet> }> | undefined;

  constructor(options: DigidOptions) {
    this.#options = options;
  }

  get issuer(): string {
    return this.#options.issuer;
  }

  /** OpenID Connect Core §3.1.2.1: a fresh authentication request (state, PKCE, nonce) and its URL. */
  async startLogin(): Promise<{ url: string; state: string; code_verifier: string; nonce: string }> {
    const { metadata } = await this.#discover();
    const { clientId: client_id, redirectUri: redirect_uri, scope } = this.#options;
    const started = startAuthorization({ client_id, redirect_uri, scope, nonce: true });
    const { state, code_verifier, nonce } = started;
    return { url: authorizationUrl(metadata.authorization_endpoint, started.params), state, code_verifier, nonce };
  }

  /** RFC 9207 §3: whether DigiD's metadata advertises `iss` in its authorization responses. */
  async issRequired(): Promise<boolean> {
    return (await this.#discover()).metadata.authorization_response_iss_parameter_supported === true;
  }

  /** OpenID Connect Core §3.1.3: redeems the code and validates the id_token (§3.1.3.7). */
  async login(input: { code: string; codeVerifier: string; nonce: string }): Promise<IdTokenClaims> {
    const { metadata, jwks } = await this.#discover();
    const { clientId, clientSecret, redirectUri } = this.#options;
    // RFC 6749 §2.3.1: client_secret_basic, each part form-urlencoded first.
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: input.code, redirect_uri: redirectUri, code_verifier: input.codeVerifier });
    const json = await this.#json(metadata.token_endpoint, { method: 'POST', headers: { authorization: `Basic ${basic}` }, body });
    const idToken = (json as { id_token?: unknown }).id_token;
    if (typeof idToken !== 'string') throw new UpstreamError('DigiD', 'DigiD stuurde geen id_token.');

    let payload;
    try {
      // OIDC Core §3.1.3.7 (2) iss, (3) aud, (6)-(8) signature and alg, (9) exp, (10) iat.
      ({ payload } = await jwtVerify(idToken, jwks, {
        issuer: metadata.issuer,
        audience: clientId,
        algorithms: ID_TOKEN_ALGORITHMS,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (cause) {
      throw new UpstreamError('DigiD', 'Het id_token van DigiD is niet geldig.', { cause });
    }
    // OIDC Core §3.1.3.7 (4)-(5): with several audiences, `azp` must be this client.
    if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== clientId) {
      throw new UpstreamError('DigiD', 'Het id_token van DigiD is niet geldig.');
    }
    // OIDC Core §3.1.3.7 (11): the nonce of this authentication request.
    if (payload.nonce !== input.nonce) throw new UpstreamError('DigiD', 'Het id_token van DigiD is niet geldig.');
    const claims = IdTokenClaims.safeParse(payload);
    if (!claims.success) throw new UpstreamError('DigiD', 'Het id_token van DigiD mist de gegevens van de persoon.');
    return claims.data;
  }

  #discover(): Promise<{ metadata: Metadata; jwks: ReturnType<typeof createRemoteJWKSet> }> {
    this.#metadata ??= (async () => {
      const parsed = Metadata.safeParse(await this.#json(`${this.#options.issuer}/.well-known/openid-configuration`, {}));
      // OpenID Connect Discovery §4.3: "MUST be identical to the Issuer URL".
      if (!parsed.success || parsed.data.issuer !== this.#options.issuer) throw new UpstreamError('DigiD', 'De metadata van DigiD zijn niet bruikbaar.');
      const jwks = createRemoteJWKSet(new URL(parsed.data.jwks_uri), { [customFetch]: this.#options.fetch });
      return { metadata: parsed.data, jwks };
    })();
    // A failed discovery is retried on the next login rather than cached.
    this.#metadata.catch(() => (this.#metadata = undefined));
    return this.#metadata;
  }

  async #json(url: string, init: RequestInit): Promise<unknown> {
    let response: Response;
    try {
      response = await this.#options.fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    } catch (cause) {
      throw new UpstreamError('DigiD', 'DigiD is niet bereikbaar.', { cause });
    }
    const json: unknown = await response.json().catch(() => undefined);
    if (response.status !== 200 || typeof json !== 'object' || json === null) {
      const error = oauthErrorCode((json as { error?: unknown } | null | undefined)?.error);
      throw new UpstreamError('DigiD', error ? `DigiD weigerde het inloggen (${error}).` : 'DigiD weigerde het inloggen.', { error, status: response.status });
    }
    return json;
  }
}

/** `GET /login`, `GET /login/callback` and `POST /logout`. */
export function registerDigidLogin(app: FastifyInstance, sessions: Sessions, digid: DigidClient, accounts: Accounts): void {
  app.get('/login', async (request, reply) => {
    const session = await sessions.ensure(request, reply);
    if (session.data.user) return reply.redirect('/', 303);
    const { url, state, code_verifier, nonce } = await digid.startLogin();
    await sessions.saveFlow(session, state, { kind: 'login', codeVerifier: code_verifier, nonce });
    return reply.redirect(url, 302);
  });

  app.get('/login/callback', async (request, reply) => {
    // docs/protocol.md §8 item 24 (for the PGO's own login too): RFC 6749 §10.12, OIDC Core §3.1.2.7, RFC 9207 §2.4
    const { session, flow, code } = await readCallback(sessions, request, {
      kinds: ['login'],
      issuer: digid.issuer,
      issRequired: await digid.issRequired(),
      foreign: 'Dit antwoord hoort niet bij een inlog die in deze browser begon.',
      refused: 'DigiD heeft u niet ingelogd',
    });

    const person = await digid.login({ code, codeVerifier: flow.codeVerifier, nonce: flow.nonce });
    const own: DossierRef = { bsn: person.bsn, name: person.name, relation: person.act ? 'represented' : 'self', person: identifyingData(person) };
    await sessions.rotate(session, reply, {
      user: { bsn: person.bsn, name: person.name, ...(person.birthdate && { birthdate: person.birthdate }), ...(person.act && { act: person.act }) },
      // Under representation the id_token is about the represented person and `act` is the representative;
      // logged in as themselves, a person also opens the dossiers of the accounts that let them act (docs/identity-check-reference.md).
      dossiers: person.act ? [own] : [own, ...accounts.representedBy(person.bsn)],
    });
    return reply.redirect('/', 303);
  });

  app.post('/logout', async (request, reply) => {
    const session = await sessions.load(request);
    if (session) checkCsrf(session, request.body);
    await sessions.destroy(session, reply);
    return reply.redirect('/', 303);
  });
}

/** The identifying data DigiD asserted of the session's person: what the PGO sends to the identity check. */
function identifyingData(claims: IdTokenClaims): PersonData {
  const given = claims.given_name?.split(/\s+/).filter(Boolean);
  return {
    bsn: claims.bsn,
    ...(claims.family_name !== undefined && { family: claims.family_name }),
    ...(given?.length && { given }),
    ...(claims.birthdate !== undefined && { birthDate: claims.birthdate }),
  };
}
