/**
 * Options 2a and 2b at the DVA (docs/option-2a-2b.md): the module's RFC 7523 assertion as the
 * RFC 8693 `actor_token` (docs/protocol.md §3.3 step 9–10, §3.4 step 11–12), and the DPoP proof of a
 * token-exchange request, which oidc-provider leaves to a custom grant (docs/oidc-provider-notes.md §4).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { decodeJwt } from 'jose';
import {
  DpopNonces, epochOf, InvalidRequest, JwksCache, OAuthError, verifyClientAssertion, verifyDpopProof,
  type RegisteredClientKeys, type VerifiedDpopProof,
} from '@koppelmij/core';
import type { ModuleRegistration } from '@koppelmij/service-kit';
import type { DvaAuth } from '../context.ts';

/** The one answer for every bad actor token (RFC 8693 §2.2.2, docs/decisions-protocol.md D5); the audit records why. */
export const INVALID_ACTOR = 'actor_token is invalid';

/** A verified actor: the module, and the key its delegation token is bound to (RFC 9449 §6.1). */
export interface VerifiedActor {
  clientId: string;
  /** `cnf.jkt` of the assertion (docs/security-checklists.md §3 (10)). */
  jkt: string;
}

/** An actor token refused; `reason` is the check that failed, for the audit only. */
export class InvalidActorToken extends InvalidRequest {
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(INVALID_ACTOR, options);
    this.reason = reason;
  }
}

/**
 * What the delegation grant keeps across requests: the modules' key sets (`jwks_uri`, cached;
 * docs/security-checklists.md §3 (3)) and the server nonces of its DPoP checks (RFC 9449 §8).
 */
export class DelegationKeys {
  readonly moduleKeys: JwksCache;
  /** Absent when DPOP_REQUIRE_NONCE is off. */
  readonly nonces: DpopNonces | undefined;

  constructor(dva: DvaAuth) {
    const { config } = dva;
    // `http:` key sets only where the DVA itself runs on plain http, i.e. the loopback demo (I7)
    this.moduleKeys = new JwksCache({ fetch: dva.fetch, allowHttpLoopback: new URL(config.DVA_AUTH_URL).protocol === 'http:' });
    // RFC 9449 §8: nonces shared by every instance (the configured secret), but never valid at the
    // resource server (§9) nor the same as oidc-provider's for the built-in grants: a derived key.
    const secret = config.DPOP_NONCE_SECRET ? Buffer.from(config.DPOP_NONCE_SECRET, 'base64url') : randomBytes(32);
    const derived = createHmac('sha256', secret).update('koppelmij dva-auth token-exchange dpop-nonce').digest();
    this.nonces = config.DPOP_REQUIRE_NONCE ? new DpopNonces({ secret: derived }) : undefined;
  }
}

/**
 * Verifies `actor_token`, a module's client assertion (docs/security-checklists.md §2 (6), §3): the
 * issuer is a registered module of `launchOption` with `private_key_jwt`, the signature verifies
 * with one of its registered keys, `aud` is one of `audiences` (docs/option-2a-2b.md), `exp` and
 * `iat` are in range, `jti` was never seen at the DVA, and `cnf.jkt` is present.
 *
 * @throws {InvalidActorToken} `invalid_request` (RFC 8693 §2.2.2, docs/decisions-protocol.md D5) for every failure.
 */
export async function verifyActorToken(
  dva: DvaAuth,
  keys: DelegationKeys,
  token: string,
  expected: { audiences: readonly string[]; launchOption: '2a' | '2b' },
): Promise<VerifiedActor> {
  let iss: unknown;
  try {
    ({ iss } = decodeJwt(token)); // only to find the registration; verified below
  } catch (cause) {
    throw new InvalidActorToken('actor_token is not a JWT', { cause });
  }
  const module = typeof iss === 'string' ? dva.module(iss) : undefined;
  // docs/protocol.md §8 item 18: an unknown module, or one not registered for this option
  if (module === undefined || module.launch_option !== expected.launchOption) throw new InvalidActorToken('unknown module');
  const client = registeredKeys(module);
  if (client === undefined) throw new InvalidActorToken('module has no registered keys');
  try {
    // RFC 7523 §3: an actor token is no client authentication, so no `clientAssertionType`
    const verified = await verifyClientAssertion(token, {
      client,
      audiences: expected.audiences,
      store: dva.store,
      notBefore: await epochOf(dva.store).current(), // docs/decisions.md I77
      keys: keys.moduleKeys,
      requireCnf: true, // docs/protocol.md §8 item 18: no cnf
    });
    return { clientId: verified.clientId, jkt: verified.cnf!.jkt };
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error; // a configuration error stays a server error
    throw new InvalidActorToken(error.error_description ?? error.error, { cause: error });
  }
}

/**
 * RFC 9449 §5: the DPoP proof of a token-exchange request, every check of §4.3 with the DVA's
 * token endpoint (from configuration, never from `Host`; RFC 9700 §4.13) as `htu`, its nonces,
 * and the shared `jti` cache.
 *
 * @throws InvalidDpopProof (400) or UseDpopNonce (400, with a fresh nonce; docs/decisions-protocol.md D6)
 */
export async function verifyTokenRequestProof(dva: DvaAuth, keys: DelegationKeys, request: IncomingMessage): Promise<VerifiedDpopProof> {
  return verifyDpopProof(headerValues(request, 'dpop'), {
    htm: request.method ?? '',
    htu: `${dva.config.DVA_AUTH_URL}/token`,
    store: dva.store,
    notBefore: await epochOf(dva.store).current(), // docs/decisions.md I77
    ...(keys.nonces && { nonces: keys.nonces }),
    context: 'as',
  });
}

function registeredKeys(module: ModuleRegistration): RegisteredClientKeys | undefined {
  if (module.token_endpoint_auth_method !== 'private_key_jwt') return undefined;
  if (module.jwks_uri !== undefined) return { client_id: module.client_id, jwks_uri: module.jwks_uri };
  return module.jwks === undefined ? undefined : { client_id: module.client_id, jwks: module.jwks as unknown as NonNullable<RegisteredClientKeys['jwks']> };
}

/** Every occurrence of a header: node joins repeated ones, and RFC 9449 §4.3 (1) must count them. */
function headerValues(request: IncomingMessage, name: string): string[] | undefined {
  const raw = request.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!);
  return values.length ? values : undefined;
}
