/**
 * What the DVA issues in options 2a and 2b (docs/option-2a-2b.md): the DPoP-bound delegation
 * token (docs/protocol.md §3.3 step 10, §3.4 step 12) and, for 2b, the temporary token (docs/protocol.md §3.4 step 9).
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import {
  InvalidRequest, InvalidScope, TOKEN_TYPE, TOKEN_TYPE_N_A, actorChain, tokenExchangeResponse,
  type ActClaim, type TokenExchangeResponse,
} from '@koppelmij/core';
import { allowedScope, resourceScopes } from '../provider/clients.ts';
import type { DvaAuth, LaunchContextRecord } from '../context.ts';

/** What a temporary token stands for: the launch, and how long the subject token lives (docs/security-checklists.md §2 (10)). */
export interface TemporaryTokenContext {
  launch: LaunchContextRecord;
  /** `exp` of the PGO's collect token the temporary token is bound to. */
  subject_exp: number;
}

export interface DelegationInput {
  /** The launch: person, patient, the module (`audience`), the Task, `return_url`, lineage. */
  launch: LaunchContextRecord;
  /** The module's DPoP key, from the actor token's `cnf.jkt` (RFC 9449 §6.1). */
  jkt: string;
  /** RFC 8693 §4.1: the module, with the PGO nested as the prior actor. */
  act: ActClaim;
  /** `exp` of the subject token: the delegation never outlives it (docs/security-checklists.md §2 (10)). */
  subjectExp: number;
  /** The request's `scope`, when sent (RFC 8693 §2.1). */
  scope: string[] | undefined;
}

/**
 * Issues the DPoP-bound delegation token as an oidc-provider JWT access token (docs/oidc-provider-notes.md §4), like
 * every other token of the DVA: a grant of its own for the module (so RFC 7009 revocation by the
 * module ends it, decision I9), the launch as that grant's context (`patient`, `fhirContext`,
 * return URL; the token hooks add them to the response), `cnf.jkt`, and `act`.
 *
 * @throws {InvalidScope} a requested scope beyond the module's registration (RFC 6749 §5.2)
 * @throws {InvalidRequest} the subject token has expired meanwhile
 */
export async function issueDelegationToken(ctx: KoaContextWithOIDC, dva: DvaAuth, input: DelegationInput): Promise<TokenExchangeResponse> {
  const { config, provider } = dva;
  const { launch } = input;
  const registration = dva.module(launch.audience)!;
  const client = await provider.Client.find(launch.audience);
  if (!client) throw new InvalidRequest('actor_token is invalid');
  const scope = grantedScope(registration, input.scope);
  const now = Math.floor(Date.now() / 1000);
  // docs/security-checklists.md §2 (10): expires_in ≤ min(policy, remaining subject lifetime)
  const expiresIn = Math.min(config.ACCESS_TOKEN_TTL, input.subjectExp - now);
  if (expiresIn <= 0) throw new InvalidRequest('subject_token is invalid');

  const grant = new provider.Grant({ accountId: launch.sub, clientId: launch.audience });
  grant.addResourceScope(config.DVA_FHIR_URL, scope);
  const grantId = await grant.save();
  await dva.grantContext.set(grantId, { kind: 'module', sub: launch.sub, patient: launch.patient, launch, started_at: now }, config.MAX_SESSION + config.SESSION_GRACE);

  const at = new provider.AccessToken({ accountId: launch.sub, client, grantId, gty: 'token_exchange', scope, expiresIn, extra: { act: input.act } });
  at.resourceServer = new provider.ResourceServer(config.DVA_FHIR_URL, {
    scope,
    audience: config.DVA_FHIR_URL, // docs/security-checklists.md §2 (11): aud = the target only
    accessTokenFormat: 'jwt',
    accessTokenTTL: expiresIn,
    jwt: { sign: { alg: 'ES256' } },
  });
  at.setThumbprint('jkt', input.jkt); // RFC 9449 §6.1: cnf.jkt, token_type DPoP
  ctx.oidc.entity('AccessToken', at); // the token hooks add the launch context to the response
  const accessToken = await at.save();

  await dva.audit.record({
    type: 'token-exchange.delegation', client_id: ctx.oidc.client!.clientId, sub: launch.sub, audience: launch.audience,
    resources: launch.resources, act: actorChain({ act: input.act }), outcome: 'success',
  });
  // RFC 8693 §2.2.1; docs/security-checklists.md §2 (10): no refresh token
  return tokenExchangeResponse({ access_token: accessToken, issued_token_type: TOKEN_TYPE.ACCESS_TOKEN, token_type: at.tokenType, expires_in: expiresIn, scope });
}

/** The RFC 8693 §2.2.1 answer of a temporary token: not an access token, so `token_type` N_A. */
export function temporaryTokenResponse(code: string, expiresIn: number): TokenExchangeResponse {
  return tokenExchangeResponse({ access_token: code, issued_token_type: TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN, token_type: TOKEN_TYPE_N_A, expires_in: expiresIn });
}

/**
 * docs/security-checklists.md §2 (9) as docs/option-2a-2b.md decides it: the module's registered
 * resource scopes, narrowed by the request's `scope`, which must lie within the registration.
 */
function grantedScope(registration: { scope: string; launch_scope?: string }, requested: string[] | undefined): string {
  const resource = resourceScopes(registration);
  if (requested === undefined) return resource.join(' ');
  const allowed = new Set(allowedScope(registration).split(' '));
  if (requested.some((s) => !allowed.has(s))) throw new InvalidScope('requested scope is not allowed');
  const granted = resource.filter((s) => requested.includes(s));
  if (granted.length === 0) throw new InvalidScope('requested scope is not allowed');
  return granted.join(' ');
}
