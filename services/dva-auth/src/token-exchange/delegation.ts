/**
 * Token exchange for options 2a and 2b (docs/protocol.md §3.3, §3.4; docs/option-2a-2b.md): three requests,
 * told apart by their token types.
 *
 * | request | client | subject_token | actor_token | issues |
 * | --- | --- | --- | --- | --- |
 * | 2a, step 9 | PGO | its collect token | the module's assertion, forwarded | DPoP-bound delegation token |
 * | 2b, step 9 | PGO | its collect token | none | temporary token, `requested_token_type` = it |
 * | 2b, step 11 | module | the temporary token | the module's own assertion, with a DPoP proof | DPoP-bound delegation token |
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import {
  DPOP_ERRORS, InvalidDpopProof, InvalidRequest, InvalidTarget, LaunchBindingMismatch, LaunchCodes, OAuthError, TOKEN_TYPE,
  UnauthorizedClient, UseDpopNonce, assertionBindsProof, delegate, parseFhirResourceTarget, parseTokenExchangeRequest, revokedGrantKey,
  type ActClaim, type FhirResourceTarget, type TokenExchangeRequest,
} from '@koppelmij/core';
import type { PgoRegistration } from '@koppelmij/service-kit';
import { DelegationKeys, InvalidActorToken, verifyActorToken, verifyTokenRequestProof } from './actor-token.ts';
import type { DvaAuth, LaunchContextRecord } from '../context.ts';
import { issueDelegationToken, temporaryTokenResponse, type TemporaryTokenContext } from './delegation-token.ts';
import type { FhirAccess } from '../fhir-access.ts';
import { checkReturnUrl } from '../launch/return-url.ts';
import { verifySubjectToken, type SubjectToken } from './subject-token.ts';

const TEMPORARY = TOKEN_TYPE.TEMPORARY_EXCHANGE_TOKEN;
const INVALID_SUBJECT = 'subject_token is invalid';

/** A token-exchange request of option 2a or 2b (the 3a grant hands these over). */
export function isDelegationRequest(params: Record<string, unknown> | undefined): boolean {
  return params?.actor_token_type === TOKEN_TYPE.JWT || params?.subject_token_type === TEMPORARY || params?.requested_token_type === TEMPORARY;
}

/** The grant handler for {@link isDelegationRequest} requests; core errors reach the client through `withProviderErrors`. */
export function delegationGrant(dva: () => DvaAuth, fhir: FhirAccess) {
  let state: { keys: DelegationKeys; temporaryTokens: LaunchCodes<TemporaryTokenContext> } | undefined;
  const shared = () =>
    (state ??= {
      keys: new DelegationKeys(dva()),
      // docs/protocol.md §3.4 step 9: opaque, single use (docs/decisions-protocol.md D12), 5 minutes
      temporaryTokens: new LaunchCodes<TemporaryTokenContext>(dva().store, { namespace: 'temporary-token', ttl: dva().config.TEMPORARY_TOKEN_TTL }),
    });

  return async function delegation(ctx: KoaContextWithOIDC): Promise<void> {
    const clientId = ctx.oidc.client!.clientId;
    try {
      const request = parseTokenExchangeRequest(ctx.oidc.params as unknown as Record<string, string | string[] | undefined>, {
        subjectTokenTypes: [TOKEN_TYPE.ACCESS_TOKEN, TEMPORARY],
        actorTokenTypes: [TOKEN_TYPE.JWT], // RFC 8693 §3: the assertion is a JWT (docs/protocol.md §3.3 step 9 names no type)
        requestedTokenTypes: [TOKEN_TYPE.ACCESS_TOKEN, TEMPORARY],
      });
      if (request.requested_token_type === TEMPORARY) return await temporaryToken(ctx, request);
      if (request.subject_token_type === TEMPORARY) return await moduleExchange(ctx, request);
      return await forwardedExchange(ctx, request);
    } catch (error) {
      // RFC 9449 §8: the challenge carries the nonce to use (docs/decisions-protocol.md D6)
      if (error instanceof UseDpopNonce && error.dpopNonce !== undefined) ctx.set('DPoP-Nonce', error.dpopNonce);
      else if (error instanceof OAuthError) {
        const reason = error instanceof InvalidActorToken || error instanceof TemporaryTokenRefused ? error.reason : error.error_description;
        await dva().audit.record({ type: 'token-exchange.refused', client_id: clientId, outcome: 'failure', ...(reason !== undefined && { reason }) });
      }
      throw error;
    }
  };

  /** 2b step 9: the PGO asks for the temporary token it will give the module (docs/option-2a-2b.md). */
  async function temporaryToken(ctx: KoaContextWithOIDC, request: TokenExchangeRequest): Promise<void> {
    const pgo = requirePgo(ctx);
    if (request.subject_token_type !== TOKEN_TYPE.ACCESS_TOKEN) throw new InvalidRequest('unsupported subject_token_type');
    if (request.actor_token !== undefined) throw new InvalidRequest('unsupported actor_token_type');
    const subject = await subjectToken(request, pgo);
    // docs/security-checklists.md §2 (8): exactly one registered module of option 2b
    const audience = request.audience.length === 1 ? dva().module(request.audience[0]!) : undefined;
    if (audience?.launch_option !== '2b') throw new InvalidTarget('audience is not allowed');
    const launch = await launchRecord(request, subject, pgo, audience.client_id);
    const { code, expires_in } = await shared().temporaryTokens.issue({ launch, subject_exp: subject.exp }, { client_id: audience.client_id });
    await dva().audit.record({ type: 'token-exchange.temporary-token', client_id: pgo.client_id, sub: subject.sub, audience: audience.client_id, resources: launch.resources, outcome: 'success' });
    ctx.body = temporaryTokenResponse(code, expires_in);
  }

  /** 2a step 9–10: the PGO forwards the module's assertion from its own /token. */
  async function forwardedExchange(ctx: KoaContextWithOIDC, request: TokenExchangeRequest): Promise<void> {
    const pgo = requirePgo(ctx);
    // docs/option-2a-2b.md: only a PGO registered as the modules' authorization server forwards assertions
    if (pgo.actor_token_audiences.length === 0) throw new UnauthorizedClient('client may not forward actor tokens');
    if (request.subject_token_type !== TOKEN_TYPE.ACCESS_TOKEN) throw new InvalidRequest('unsupported subject_token_type');
    requireFhirAudience(request);
    const subject = await subjectToken(request, pgo);
    // the assertion was made for the PGO's token endpoint; the DVA accepts that aud from this PGO only
    const actor = await verifyActorToken(dva(), shared().keys, request.actor_token!, { audiences: pgo.actor_token_audiences, launchOption: '2a' });
    const launch = await launchRecord(request, subject, pgo, actor.clientId);
    ctx.body = await issueDelegationToken(ctx, dva(), { launch, jkt: actor.jkt, act: actorChainOf(launch), subjectExp: subject.exp, scope: request.scope });
  }

  /** 2b step 11–12: the module presents the temporary token, its assertion and a DPoP proof. */
  async function moduleExchange(ctx: KoaContextWithOIDC, request: TokenExchangeRequest): Promise<void> {
    const { config, store } = dva();
    const module = dva().module(ctx.oidc.client!.clientId);
    if (module?.launch_option !== '2b') throw new UnauthorizedClient('client may not exchange tokens'); // docs/security-checklists.md §2 (2)
    if (request.actor_token === undefined) throw new InvalidRequest('actor_token is missing');
    requireFhirAudience(request);
    // the temporary token fixes the launch context; the module names no resources of its own
    if (request.resource.length > 0) throw new InvalidTarget('resource is not allowed');
    const { keys, temporaryTokens } = shared();
    // RFC 9449 §5 first: a nonce challenge must not cost the module its temporary token
    const proof = await verifyTokenRequestProof(dva(), keys, ctx.req);
    const actor = await verifyActorToken(dva(), keys, request.actor_token, { audiences: [config.DVA_AUTH_URL, `${config.DVA_AUTH_URL}/token`], launchOption: '2b' });
    // docs/security-checklists.md §2 (6): the actor is the authenticated client
    if (actor.clientId !== module.client_id) throw new InvalidActorToken('actor is not the client');
    // docs/security-checklists.md §1.2, §3 (10): the assertion's cnf.jkt is the key that signed this proof
    if (!assertionBindsProof(actor.jkt, proof.jkt)) throw new InvalidDpopProof(DPOP_ERRORS.binding);
    let context: TemporaryTokenContext;
    try {
      context = await temporaryTokens.redeem(request.subject_token, { client_id: module.client_id }); // D12: one atomic take
    } catch (error) {
      // docs/protocol.md §8 item 18: reused, older than 5 minutes, unknown, or another module's (burned all the same, D8)
      throw new TemporaryTokenRefused(error instanceof LaunchBindingMismatch ? 'temporary token of another module' : 'temporary token unknown, expired or used', { cause: error });
    }
    // docs/security-checklists.md §2 (13): revoking the PGO's grant revokes what was derived from it
    if (context.launch.subject_grant_id !== undefined && (await store.get(revokedGrantKey(context.launch.subject_grant_id)))) {
      throw new TemporaryTokenRefused('subject grant revoked');
    }
    ctx.body = await issueDelegationToken(ctx, dva(), { launch: context.launch, jkt: actor.jkt, act: actorChainOf(context.launch), subjectExp: context.subject_exp, scope: request.scope });
    if (keys.nonces) ctx.set('DPoP-Nonce', keys.nonces.current()); // RFC 9449 §8.2: the next proof's nonce
  }

  function requirePgo(ctx: KoaContextWithOIDC): PgoRegistration {
    const pgo = dva().pgo(ctx.oidc.client!.clientId);
    if (!pgo) throw new UnauthorizedClient('client may not exchange tokens'); // docs/security-checklists.md §2 (2)
    return pgo;
  }

  function subjectToken(request: TokenExchangeRequest, pgo: PgoRegistration): Promise<SubjectToken> {
    return verifySubjectToken(request.subject_token, pgo.client_id, dva());
  }

  /** RFC 8693 §2.1 `audience` of a delegation: absent, or the DVA FHIR base the token is for. */
  function requireFhirAudience(request: TokenExchangeRequest): void {
    const { audience } = request;
    if (audience.length > 1 || (audience.length === 1 && audience[0] !== dva().config.DVA_FHIR_URL)) throw new InvalidTarget('audience is not allowed');
  }

  /**
   * The launch a delegation is for: exactly one Task of the subject's patient whose Endpoint
   * names the module (decision I10; docs/protocol.md §8 item 8), other resources of the patient, and a
   * `return_url` on the PGO's allowlist (docs/protocol.md §8 item 9).
   */
  async function launchRecord(request: TokenExchangeRequest, subject: SubjectToken, pgo: PgoRegistration, moduleClientId: string): Promise<LaunchContextRecord> {
    const { config } = dva();
    const targets = request.resource
      .map((r) => parseFhirResourceTarget(r, { fhirBase: config.DVA_FHIR_URL, patientResource: config.TOKEN_EXCHANGE_PATIENT_RESOURCE }))
      .filter((t): t is FhirResourceTarget => t !== undefined);
    const tasks = targets.filter((t) => t.resourceType === 'Task');
    if (tasks.length !== 1) throw new InvalidTarget('exactly one Task is required');
    await fhir.assertLaunchable(subject.patient, targets, moduleClientId);
    const return_url = request.extra.return_url;
    if (return_url !== undefined) checkReturnUrl(return_url, pgo.return_url_allowlist);
    const resources = [...tasks, ...targets.filter((t) => t.resourceType !== 'Task')].map((t) => t.reference);
    return {
      sub: subject.sub, patient: subject.patient, audience: moduleClientId, pgo_client_id: pgo.client_id, resources,
      ...(return_url !== undefined && { return_url }), subject_grant_id: subject.grant_id,
      ...(subject.act && { act: { sub: subject.act.sub } }), // docs/identity-check-reference.md: the launch keeps the representative
    };
  }
}

/**
 * RFC 8693 §4.1 `act` of a delegation token (docs/option-2a-2b.md decision 11): the module acts
 * now; before it the PGO, whose collect token is the module's authority; before that, under
 * representation, the representative that collect token names.
 */
function actorChainOf(launch: LaunchContextRecord): ActClaim {
  return delegate({ act: { sub: launch.pgo_client_id, ...(launch.act && { act: launch.act }) } }, { sub: launch.audience });
}

/** A temporary token refused (`invalid_request`, RFC 8693 §2.2.2); `reason` is for the audit only. */
class TemporaryTokenRefused extends InvalidRequest {
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(INVALID_SUBJECT, options);
    this.reason = reason;
  }
}
