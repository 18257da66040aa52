import { readFileSync } from 'node:fs';
import { SignJWT, importJWK, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { Agent, request } from 'undici';
import { CLIENT_ASSERTION_TYPE, createClientAssertion, createDpopProof, randomToken, type DpopKey } from '@koppelmij/core';
import { localhostLookup } from '@koppelmij/service-kit';

/** Where the kit runs and as whom (docs/conformance.md). */
export interface TargetOptions {
  /** The DVA authorization server's issuer, e.g. `https://dva.example.nl`. */
  dva: string;
  /** The DVA FHIR base (the SMART `iss`), e.g. `https://dva.example.nl/fhir`. */
  fhir: string;
  /** The test client registered for the kit (a SMART standalone client with `private_key_jwt`). */
  clientId: string;
  /** Its private signing key, a JWK with `kid` and `alg`. */
  privateJwk: JWK;
  /** Its registered redirect_uri (default: the first `/callback` URI the kit is told, see docs). */
  redirectUri: string;
  /** The person journey: a PGO, a scriptable test DigiD and two test persons (optional). */
  journey?: { pgo: string; digid: string; person: string; otherPerson: string; task: string; launchCookie: string };
  /** How many authenticated token requests AV-05 may send to meet the per-client quota (default 1300, above the demo's 1200 a minute). */
  tokenBurst?: number;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of the endpoint under test
  json: any;
}

const dispatcher = new Agent({ connect: { lookup: localhostLookup as never } });

/** The deployment under test and the kit's client identity. */
export class Target {
  /** The token endpoint's last DPoP nonce (RFC 9449 §8), so a one-time assertion is rarely spent on a nonce retry. */
  #tokenNonce: string | undefined;
  readonly dva: string;
  readonly fhir: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly journey: TargetOptions['journey'];
  /** AV-05's budget of token requests. */
  readonly tokenBurst: number;
  /** The `kid` of the client's registered key. */
  readonly kid: string;
  readonly #jwk: JWK;

  constructor(options: TargetOptions) {
    this.dva = options.dva.replace(/\/$/, '');
    this.fhir = options.fhir.replace(/\/$/, '');
    this.clientId = options.clientId;
    this.redirectUri = options.redirectUri;
    this.journey = options.journey;
    this.tokenBurst = options.tokenBurst ?? 1300;
    this.#jwk = options.privateJwk;
    this.kid = String(options.privateJwk.kid);
  }

  /** Whether the token endpoint has given the kit a DPoP nonce yet. */
  get knowsTokenNonce(): boolean {
    return this.#tokenNonce !== undefined;
  }

  static readKey(path: string): JWK {
    return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  }

  /** One HTTP request, redirects not followed (`*.localhost` resolved to loopback, RFC 6761 §6.3). */
  async http(url: string, init: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {}): Promise<Reply> {
    const res = await request(url, { method: (init.method ?? 'GET') as 'GET', headers: init.headers, body: init.body, dispatcher });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text, json };
  }

  /** A form POST to the DVA (`path` below its issuer). */
  post(path: string, form: Record<string, string>, headers: Record<string, string | string[]> = {}): Promise<Reply> {
    return this.http(`${this.dva}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers }, body: new URLSearchParams(form).toString() });
  }

  /** RFC 7523 §2.2 client authentication of the kit's client; `claims` and `header` tamper with it. */
  async clientAuth(options: { audience?: string; claims?: JWTPayload; header?: Record<string, unknown>; lifetime?: number; jti?: string } = {}): Promise<Record<string, string>> {
    const audience = options.audience ?? this.dva;
    const key = await importJWK(this.#jwk, String(this.#jwk.alg ?? 'ES256'));
    let assertion: string;
    if (!options.claims && !options.header) {
      assertion = await createClientAssertion({ clientId: this.clientId, audience, privateKey: key as CryptoKey, alg: 'ES256', kid: this.kid, ...(options.lifetime && { lifetime: options.lifetime }), ...(options.jti && { jti: options.jti }) });
    } else {
      const now = Math.floor(Date.now() / 1000);
      const claims: JWTPayload = { iss: this.clientId, sub: this.clientId, aud: audience, iat: now, exp: now + 60, jti: randomToken(), ...options.claims };
      assertion = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: this.kid, ...options.header }).sign(key);
    }
    return { client_id: this.clientId, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion };
  }

  /** A form POST to the DVA's token endpoint with a DPoP proof by `key`, retrying once with the server's nonce (RFC 9449 §8). */
  async tokenWithDpop(form: Record<string, string>, key: DpopKey, auth?: Record<string, string>): Promise<Reply> {
    let nonce = this.#tokenNonce;
    for (let attempt = 0; ; attempt++) {
      const proof = await createDpopProof({ key, htm: 'POST', htu: `${this.dva}/token`, ...(nonce && { nonce }) });
      const reply = await this.post('/token', { ...form, ...(auth ?? (await this.clientAuth())) }, { dpop: proof });
      nonce = header(reply, 'dpop-nonce') ?? nonce;
      this.#tokenNonce = nonce;
      if (attempt === 0 && reply.json?.error === 'use_dpop_nonce' && nonce) continue;
      return reply;
    }
  }

  /** A FHIR GET with `token` as a DPoP-bound token and a proof by `key` (RFC 9449 §7), nonce retry included. */
  async fhirDpop(path: string, token: string, key: DpopKey, init: { method?: string; body?: string; scheme?: string } = {}): Promise<Reply> {
    const url = `${this.fhir}/${path}`;
    const method = init.method ?? 'GET';
    let nonce: string | undefined;
    for (let attempt = 0; ; attempt++) {
      const proof = await createDpopProof({ key, htm: method, htu: url, accessToken: token, ...(nonce && { nonce }) });
      const headers: Record<string, string> = { authorization: `${init.scheme ?? 'DPoP'} ${token}`, dpop: proof, accept: 'application/fhir+json', ...(init.body && { 'content-type': 'application/fhir+json' }) };
      const reply = await this.http(url, { method, headers, ...(init.body && { body: init.body }) });
      nonce = header(reply, 'dpop-nonce');
      if (attempt === 0 && reply.status === 401 && /use_dpop_nonce/.test(header(reply, 'www-authenticate') ?? '') && nonce) continue;
      return reply;
    }
  }
}

/** The first value of header `name`. */
export function header(reply: Pick<Reply, 'headers'>, name: string): string | undefined {
  const value = reply.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The parameters of a redirect's `Location`, from its query or (response_mode fragment) its fragment; undefined when the answer is no redirect. */
export function redirectQuery(reply: Reply, base: string): URLSearchParams | undefined {
  const location = header(reply, 'location');
  if (!(reply.status >= 300 && reply.status < 400 && location)) return undefined;
  const url = new URL(location, base);
  return url.search ? url.searchParams : new URLSearchParams(url.hash.slice(1));
}
