/**
 * The PGO's peers as one injected `fetch`: a DigiD OIDC provider, the DVA authorization server
 * (token endpoint and PAR, checking the PGO's client assertions and PKCE) and the DVA FHIR
 * server. The browser legs at DigiD and the DVA are methods: they take the PGO's redirect and
 * return where the browser would be sent back to. The real DVA end-to-end test lives in test/.
 */
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import { randomToken, sha256b64url } from '@koppelmij/core';
import type { SigningKey } from '@koppelmij/service-kit';
import { EXT_CLIENT_ID, EXT_INSTANTIATES, EXT_KT2_ENDPOINT } from '../../src/chain.ts';
import { fhirStub, type FhirStub, type Resource } from './fhir-stub.ts';

export const URLS = {
  pgo: 'http://pgo.localhost:4000',
  dva: 'http://dva.localhost:4100',
  fhir: 'http://fhir.localhost:4200/fhir',
  digid: 'http://digid.localhost:4400',
};
export const BSN = '123456782';
export const LAUNCH_CODE_TYPE = 'urn:medmij:token-type:launch-code';

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const instantiates = (ad: string) => [{ url: EXT_INSTANTIATES, valueReference: { reference: `ActivityDefinition/${ad}` } }];

/** Demo data: a 3a module, an option-1 module, a finished Task and a Task without module. */
export function demoResources(): Resource[] {
  const owner = { reference: 'Patient/pat-1' };
  return [
    { resourceType: 'ServiceRequest', id: 'sr-1', status: 'active', code: { text: 'Bloeddruk thuis meten' } },
    { resourceType: 'Task', id: 'task-1', status: 'requested', description: 'Meet je bloeddruk', owner, basedOn: [{ reference: 'ServiceRequest/sr-1' }], extension: instantiates('ad-3a') },
    { resourceType: 'Task', id: 'task-2', status: 'received', description: 'Optie-1 module', owner, groupIdentifier: { value: 'g2', type: { text: 'Groep twee' } }, extension: instantiates('ad-1') },
    { resourceType: 'Task', id: 'task-3', status: 'completed', description: 'Klaar', owner, basedOn: [{ reference: 'ServiceRequest/sr-1' }], extension: instantiates('ad-3a') },
    { resourceType: 'Task', id: 'task-4', status: 'requested', description: 'Zonder module', owner },
    { resourceType: 'Task', id: 'task-other', status: 'requested', owner: { reference: 'Patient/pat-2' }, extension: instantiates('ad-3a') },
    { resourceType: 'ActivityDefinition', id: 'ad-3a', status: 'active', extension: [{ url: EXT_KT2_ENDPOINT, valueReference: { reference: 'Endpoint/ep-3a' } }] },
    { resourceType: 'ActivityDefinition', id: 'ad-1', status: 'active', extension: [{ url: EXT_KT2_ENDPOINT, valueReference: { reference: 'Endpoint/ep-1' } }] },
    { resourceType: 'Endpoint', id: 'ep-3a', status: 'active', address: 'http://module.localhost:4300/m/module-3a/launch?iss=other', extension: [{ url: EXT_CLIENT_ID, valueString: 'module-3a' }] },
    { resourceType: 'Endpoint', id: 'ep-1', status: 'active', address: 'http://module.localhost:4300/m/module-1/launch', extension: [{ url: EXT_CLIENT_ID, valueString: 'module-1' }] },
  ];
}

interface DigidKey {
  privateKey: CryptoKey;
  jwk: Record<string, unknown>;
}

interface Code {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce?: string;
  par?: URLSearchParams;
}

export class FakeWorld {
  readonly fhir: FhirStub;
  /** Collect tokens the DVA issued and still accepts. */
  readonly collectTokens: string[] = [];
  readonly refreshTokens: string[] = [];
  readonly tokenRequests: URLSearchParams[] = [];
  readonly parRequests: URLSearchParams[] = [];
  readonly authorizeRequests: URL[] = [];
  /** How many token exchanges still answer `step_up_required`. */
  stepUpsLeft = 0;
  /** Members that replace those of the next exchange answers. */
  exchangeOverride: Record<string, unknown> = {};
  launchCode = '';
  /** The `patient` of the next collect tokens. */
  patient = 'Patient/pat-1';
  readonly #codes = new Map<string, Code>();
  readonly #pars = new Map<string, URLSearchParams>();
  readonly #claims = new Map<string, Record<string, unknown>>();
  readonly #pgoKey: SigningKey;
  readonly #digidKey: DigidKey;

  private constructor(pgoKey: SigningKey, digidKey: DigidKey) {
    this.#pgoKey = pgoKey;
    this.#digidKey = digidKey;
    this.fhir = fhirStub(URLS.fhir, demoResources(), () => this.collectTokens);
  }

  static async create(pgoKey: SigningKey): Promise<FakeWorld> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    return new FakeWorld(pgoKey, { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: 'digid-1', alg: 'ES256' } });
  }

  readonly fetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    if (url.href.startsWith(`${URLS.fhir}/`)) return this.fhir.fetch(input, init);
    const form = new URLSearchParams(typeof init?.body === 'string' ? init.body : (init?.body as URLSearchParams | undefined));
    switch (`${url.origin}${url.pathname}`) {
      case `${URLS.digid}/.well-known/openid-configuration`:
        return json(200, {
          issuer: URLS.digid,
          authorization_endpoint: `${URLS.digid}/auth`,
          token_endpoint: `${URLS.digid}/token`,
          jwks_uri: `${URLS.digid}/jwks`,
          authorization_response_iss_parameter_supported: true, // RFC 9207 §3, as oidc-provider advertises
        });
      case `${URLS.digid}/jwks`:
        return json(200, { keys: [this.#digidKey.jwk] });
      case `${URLS.digid}/token`:
        return this.#digidToken(form, new Headers(init?.headers).get('authorization'));
      case `${URLS.dva}/par`:
        return this.#par(form);
      case `${URLS.dva}/token`:
        return this.#token(form);
      default:
        return json(404, { error: 'not_found' });
    }
  }) as typeof fetch;

  /** The browser at DigiD: logs in and returns the PGO callback URL. `claims` may override the nonce. */
  digidAuthorize(location: string, claims: Record<string, unknown> = { bsn: BSN, name: 'Tom van Duinen', birthdate: '1961-08-02' }): string {
    const url = new URL(location);
    const q = url.searchParams;
    const code = randomToken();
    this.#codes.set(code, { clientId: q.get('client_id')!, redirectUri: q.get('redirect_uri')!, codeChallenge: q.get('code_challenge')!, nonce: q.get('nonce')! });
    this.#claims.set(code, claims);
    return `${q.get('redirect_uri')}?${new URLSearchParams({ code, state: q.get('state')!, iss: URLS.digid })}`;
  }
  /** The browser at the DVA's /authorize (collect, step-up, or W4 with a request_uri); returns the PGO callback URL. */
  dvaAuthorize(location: string): string {
    const url = new URL(location);
    this.authorizeRequests.push(url);
    const requestUri = url.searchParams.get('request_uri');
    const params = requestUri ? this.#pars.get(requestUri) : url.searchParams;
    if (!params) throw new Error('unknown request_uri');
    if (requestUri) this.#pars.delete(requestUri);
    const code = randomToken();
    this.#codes.set(code, {
      clientId: params.get('client_id')!,
      redirectUri: params.get('redirect_uri')!,
      codeChallenge: params.get('code_challenge')!,
      ...(requestUri && { par: params }),
    });
    // RFC 9207 §2: the issuer in the authorization response, as oidc-provider sends it.
    return `${params.get('redirect_uri')}?${new URLSearchParams({ code, state: params.get('state')!, iss: URLS.dva })}`;
  }

  async #digidToken(form: URLSearchParams, authorization: string | null): Promise<Response> {
    const code = this.#codes.get(form.get('code') ?? '');
    if (authorization !== `Basic ${Buffer.from('pgo-demo:demo-pgo-digid-secret-change-me').toString('base64')}`) return json(401, { error: 'invalid_client' });
    if (!code || sha256b64url(form.get('code_verifier') ?? '') !== code.codeChallenge) return json(400, { error: 'invalid_grant' });
    const claims = this.#claims.get(form.get('code')!)!;
    const idToken = await new SignJWT({ nonce: code.nonce, ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'digid-1' })
      .setIssuer(URLS.digid)
      .setAudience(code.clientId)
      .setSubject('digid-pseudonym')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(this.#digidKey.privateKey);
    return json(200, { access_token: 'digid-at', token_type: 'Bearer', id_token: idToken });
  }

  /** RFC 7523: the PGO's assertion, verified with its public key, `aud` = the DVA issuer (docs/decisions-protocol.md D1). */
  async #clientAuthenticated(form: URLSearchParams): Promise<boolean> {
    try {
      await jwtVerify(form.get('client_assertion') ?? '', createLocalJWKSet({ keys: [this.#pgoKey.publicJwk] }), {
        issuer: 'pgo-demo',
        subject: 'pgo-demo',
        audience: URLS.dva,
      });
      return form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
    } catch {
      return false;
    }
  }

  async #par(form: URLSearchParams): Promise<Response> {
    this.parRequests.push(form);
    if (!(await this.#clientAuthenticated(form))) return json(401, { error: 'invalid_client' });
    if (!this.collectTokens.includes(form.get('subject_token') ?? '')) return json(400, { error: 'invalid_request' });
    const requestUri = `urn:ietf:params:oauth:request_uri:${randomToken()}`;
    this.#pars.set(requestUri, form);
    return json(201, { request_uri: requestUri, expires_in: 90 });
  }

  async #token(form: URLSearchParams): Promise<Response> {
    this.tokenRequests.push(form);
    if (!(await this.#clientAuthenticated(form))) return json(401, { error: 'invalid_client' });
    if (form.get('grant_type') === 'authorization_code') {
      const code = this.#codes.get(form.get('code') ?? '');
      this.#codes.delete(form.get('code') ?? '');
      if (!code || code.par || code.redirectUri !== form.get('redirect_uri')) return json(400, { error: 'invalid_grant' });
      if (sha256b64url(form.get('code_verifier') ?? '') !== code.codeChallenge) return json(400, { error: 'invalid_grant' });
      const accessToken = `collect-token-${randomToken()}`;
      const refreshToken = `refresh-token-${randomToken()}`;
      this.collectTokens.push(accessToken);
      this.refreshTokens.push(refreshToken);
      return json(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, patient: this.patient, refresh_token: refreshToken });
    }
    if (form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:token-exchange') {
      if (this.stepUpsLeft > 0) {
        this.stepUpsLeft--;
        return json(400, { error: 'step_up_required' });
      }
      if (!this.collectTokens.includes(form.get('subject_token') ?? '')) return json(400, { error: 'invalid_request' });
      if (form.has('actor_token')) {
        const code = this.#codes.get(form.get('actor_token')!);
        this.#codes.delete(form.get('actor_token')!);
        if (!code?.par || sha256b64url(form.get('code_verifier') ?? '') !== code.codeChallenge) return json(400, { error: 'invalid_request' });
        if (code.par.get('audience') !== form.get('audience')) return json(400, { error: 'invalid_target' });
      }
      this.launchCode = `launch-code-${randomToken()}`;
      return json(200, { access_token: this.launchCode, issued_token_type: LAUNCH_CODE_TYPE, token_type: 'N_A', expires_in: 180, ...this.exchangeOverride });
    }
    return json(400, { error: 'unsupported_grant_type' });
  }
}
