import { randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { basic, Browser, CLIENT_ID, CLIENT_SECRET, followToClient, location, pkcePair, REDIRECT_URI } from './browser.ts';

export interface ProviderMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  [member: string]: unknown;
}

/** dva-auth's side of the code flow against one issuer, step by step. */
export class RelyingParty {
  readonly issuer: string;
  readonly metadata: ProviderMetadata;
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(metadata: ProviderMetadata) {
    this.issuer = metadata.issuer;
    this.metadata = metadata;
    this.#jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
  }

  /** OIDC Discovery §4; the issuer must be the one asked for (§4.3). */
  static async discover(issuer: string): Promise<RelyingParty> {
    const response = await fetch(`${issuer}/.well-known/openid-configuration`);
    const metadata = (await response.json()) as ProviderMetadata;
    if (response.status !== 200 || metadata.issuer !== issuer) throw new Error('discovery failed');
    return new RelyingParty(metadata);
  }

  /** GET /auth; returns the interaction URL it redirects to and what the client keeps. */
  async authorize(browser: Browser, options: { scope?: string; pkce?: boolean } = {}) {
    const state = randomBytes(16).toString('base64url');
    const nonce = randomBytes(16).toString('base64url');
    const { verifier, challenge } = pkcePair();
    const url = new URL(this.metadata.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: options.scope ?? 'openid profile bsn',
      state,
      nonce,
      ...(options.pkce !== false && { code_challenge: challenge, code_challenge_method: 'S256' }),
    }).toString();
    const response = await browser.fetch(url.href);
    return { response, interaction: new URL(location(response), this.issuer).href, state, nonce, verifier };
  }

  /**
   * A whole login: authorize, choose `bsn` (and `represent` when given), follow to the
   * redirect_uri. Returns the callback URL and the verifier and nonce to redeem it with.
   */
  async login(bsn: string, represent?: string, scope?: string) {
    const browser = new Browser();
    const request = await this.authorize(browser, { scope });
    await browser.fetch(request.interaction);
    const form = { bsn, ...(represent && { represent }) };
    const chosen = await browser.post(`${request.interaction}/login`, form);
    if (chosen.status !== 303) throw new Error(`login answered ${chosen.status}`);
    const callback = await followToClient(browser, this.issuer, location(chosen));
    return { browser, callback, ...request };
  }

  /** RFC 6749 §4.1.3 token request with client_secret_basic. */
  redeem(code: string, verifier: string, secret = CLIENT_SECRET): Promise<Response> {
    return fetch(this.metadata.token_endpoint, {
      method: 'POST',
      headers: { authorization: basic(CLIENT_ID, secret) },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
    });
  }

  /** Logs in, redeems the code and verifies the id_token (OIDC Core §3.1.3.7) against /jwks. */
  async idToken(bsn: string, represent?: string, scope?: string): Promise<JWTPayload & Record<string, unknown>> {
    const { callback, verifier, nonce } = await this.login(bsn, represent, scope);
    const response = await this.redeem(callback.searchParams.get('code')!, verifier);
    if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}`);
    const { id_token } = (await response.json()) as { id_token: string };
    const { payload, protectedHeader } = await jwtVerify(id_token, this.#jwks, {
      issuer: this.issuer,
      audience: CLIENT_ID,
      algorithms: ['ES256'],
    });
    if (payload.nonce !== nonce || protectedHeader.alg !== 'ES256') throw new Error('nonce or alg mismatch');
    return payload;
  }
}
