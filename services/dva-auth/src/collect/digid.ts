import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AccessDenied, sha256b64url } from '@koppelmij/core';
import {
  authorizationResponseState, authorizationUrl, readAuthorizationResponse, startAuthorization, type AuthorizationResponseParams,
} from '@koppelmij/core/authorization';
import type { DvaAuth } from '../context.ts';

/**
 * The DVA as relying party of DigiD (docs/protocol.md §1.5, §2.3 step 3): authorization code + PKCE,
 * id_token verified against DigiD's JWKS. The mock's claim contract: `bsn` is the person the
 * session is for, `act` the representative when someone acts on behalf of another.
 */
export interface DigidIdentity {
  bsn: string;
  name?: string;
  act?: { bsn: string; name?: string };
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  authorization_response_iss_parameter_supported?: boolean; // RFC 9207 §3
}

interface PendingLogin {
  uid: string;
  code_verifier: string;
  nonce: string;
  /** Where `/digid/callback` sends the browser on (default `/interaction/{uid}/digid`). */
  return_path?: string;
}

export interface DigidLoginOptions {
  prompt?: 'login';
  /** A DVA path that takes the login's ticket (`?ticket=`), for logins outside an oidc-provider interaction (option 3b) or with their own next step. */
  returnPath?: string;
  /** A demo aid for the mock's login page (docs/decisions.md I137): why the DVA asks for DigiD. */
  reason?: 'launch-browser-unknown';
}

export class DigidClient {
  readonly #dva: () => DvaAuth;
  #discovery?: Promise<Discovery>;
  #jwks?: JWTVerifyGetKey;

  constructor(dva: () => DvaAuth) {
    this.#dva = dva;
  }

  get redirectUri(): string {
    return `${this.#dva().config.DVA_AUTH_URL}/digid/callback`;
  }

  /** Where to send the browser to log in for interaction `uid` (or another pending step of that id). */
  async authorizationUrl(uid: string, options: DigidLoginOptions = {}): Promise<string> {
    const { config, store } = this.#dva();
    const discovery = await this.#discover();
    const { params, state, code_verifier, nonce } = startAuthorization({
      client_id: config.DIGID_CLIENT_ID,
      redirect_uri: this.redirectUri,
      scope: 'openid profile bsn',
      nonce: true,
      params: { prompt: options.prompt, koppelmij_reason: options.reason }, // docs/decisions.md I137: why DigiD is asked
    });
    const pending: PendingLogin = { uid, code_verifier, nonce, ...(options.returnPath && { return_path: options.returnPath }) };
    await store.set(`digid-login:${sha256b64url(state)}`, pending, 600);
    return authorizationUrl(discovery.authorization_endpoint, params);
  }

  /**
   * Completes the login: one use of `state`, the response read by core's rule (RFC 9207 §2.4 `iss`
   * as DigiD advertises it), code redeemed, id_token verified (OIDC Core §3.1.3.7).
   *
   * @throws AuthorizationResponseError (core) for a response to refuse before anything is redeemed
   */
  async complete(query: AuthorizationResponseParams): Promise<{ uid: string; state: string; returnPath: string; identity: DigidIdentity }> {
    const { config, store, fetch } = this.#dva();
    const state = authorizationResponseState(query);
    const pending = await store.take<PendingLogin>(`digid-login:${sha256b64url(state)}`);
    if (!pending) throw new AccessDenied('unknown or used DigiD login state');
    const discovery = await this.#discover();
    const issRequired = discovery.authorization_response_iss_parameter_supported === true;
    const { code } = readAuthorizationResponse(query, { state, issuer: discovery.issuer, issRequired });
    const response = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(config.DIGID_CLIENT_ID)}:${encodeURIComponent(config.DIGID_CLIENT_SECRET)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: this.redirectUri, code_verifier: pending.code_verifier }),
    });
    const body = (await response.json()) as { id_token?: string };
    if (!response.ok || !body.id_token) throw new AccessDenied('DigiD login failed');
    this.#jwks ??= createRemoteJWKSet(new URL(discovery.jwks_uri));
    const { payload } = await jwtVerify(body.id_token, this.#jwks, { issuer: discovery.issuer, audience: config.DIGID_CLIENT_ID }).catch(() => {
      throw new AccessDenied('DigiD id_token is invalid');
    });
    if (payload.nonce !== pending.nonce || typeof payload.bsn !== 'string') throw new AccessDenied('DigiD id_token is invalid');
    const act = payload.act as { bsn?: unknown; name?: unknown } | undefined;
    return {
      uid: pending.uid,
      state,
      returnPath: pending.return_path ?? `/interaction/${pending.uid}/digid`,
      identity: {
        bsn: payload.bsn,
        ...(typeof payload.name === 'string' && { name: payload.name }),
        ...(act && typeof act.bsn === 'string' && { act: { bsn: act.bsn, ...(typeof act.name === 'string' && { name: act.name }) } }),
      },
    };
  }

  #discover(): Promise<Discovery> {
    this.#discovery ??= this.#dva()
      .fetch(`${this.#dva().config.DIGID_URL}/.well-known/openid-configuration`)
      .then(async (r) => {
        if (!r.ok) throw new Error(`DigiD discovery answered ${r.status}`);
        return (await r.json()) as Discovery;
      })
      .catch((error: unknown) => {
        this.#discovery = undefined; // retry on the next login
        throw error;
      });
    return this.#discovery;
  }
}
