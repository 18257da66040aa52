import type { KoaContextWithOIDC } from 'oidc-provider';
import {
  GRANT_TYPE_TOKEN_EXCHANGE, InvalidRequest, InvalidTarget, StepUpRequired, TOKEN_TYPE, TOKEN_TYPE_N_A, UnauthorizedClient,
  parseFhirResourceTarget, parseTokenExchangeRequest, sha256b64url, timingSafeEqualString, tokenExchangeResponse,
  type FhirResourceTarget, type TokenExchangeRequest,
} from '@koppelmij/core';
import type { DvaAuth, GrantContext } from '../context.ts';
import { delegationGrant, isDelegationRequest } from './delegation.ts';
import { requireDpopProof } from '../provider/dpop-bound.ts';
import type { FhirAccess } from '../fhir-access.ts';
import { checkReturnUrl } from '../launch/return-url.ts';
import { verifySubjectToken, type SubjectToken } from './subject-token.ts';

/** Parameters the grant reads; `audience` and `resource` may repeat (RFC 8693 §2.1). */
export const TOKEN_EXCHANGE_PARAMETERS = [
  'subject_token', 'subject_token_type', 'actor_token', 'actor_token_type', 'requested_token_type',
  'audience', 'resource', 'scope', 'code_verifier', 'return_url',
] as const;
export const TOKEN_EXCHANGE_DUPLICATES = ['audience', 'resource'] as const;

const INVALID_ACTOR = 'actor_token is invalid';

/** The launch preparation behind a launch-authorization code (3a-W's PAR leg, or option 1's authorization). */
type LaunchPrep = Extract<GrantContext, { kind: 'launch-prep' }>;

/**
 * The token-exchange grant that turns the PGO's collect token into a launch code
 * (docs/protocol.md §3.1.1 W7–W8 for 3a-W; §3.1.2 step 2–4 for 3a-P), with every check of
 * docs/security-checklists.md §2 and docs/protocol.md §8 items 5–9.
 */
export function tokenExchangeGrant(dva: () => DvaAuth, fhir: FhirAccess) {
  const delegation = delegationGrant(dva, fhir); // options 2a and 2b (docs/option-2a-2b.md)
  return async function tokenExchange(ctx: KoaContextWithOIDC): Promise<void> {
    requireDpopProof(ctx); // RFC 9449 §5.2: oidc-provider checks this for its own grants only
    if (isDelegationRequest(ctx.oidc.params)) return delegation(ctx);
    const { config, launchCodes, audit } = dva();
    const client = ctx.oidc.client!;
    const pgo = dva().pgo(client.clientId);
    if (!pgo) throw new UnauthorizedClient('client may not exchange tokens'); // docs/security-checklists.md §2 (2)

    const backchannel = config.LAUNCH_PREP_MODES.some((m) => m.startsWith('backchannel'));
    const request = parseTokenExchangeRequest(ctx.oidc.params as unknown as Record<string, string | string[] | undefined>, {
      subjectTokenTypes: [TOKEN_TYPE.ACCESS_TOKEN],
      actorTokenTypes: [TOKEN_TYPE.LAUNCH_AUTHORIZATION_CODE],
      requestedTokenTypes: backchannel ? [TOKEN_TYPE.LAUNCH_CODE, TOKEN_TYPE.ONE_TIME_CODE, TOKEN_TYPE.ACCESS_TOKEN] : [TOKEN_TYPE.LAUNCH_CODE, TOKEN_TYPE.ONE_TIME_CODE],
      requireSubjectTokenType: !backchannel, // 3a-P omits it (docs/protocol.md §3.1.2 step 2; switch tokenExchange.requireSubjectTokenType)
    });
    const subject = await verifySubjectToken(request.subject_token, client.clientId, dva());

    // docs/security-checklists.md §2 (8): audience = exactly one registered module (or the FHIR base, per switch)
    if (request.audience.length !== 1) throw new InvalidTarget('exactly one audience is required');
    const targets = request.resource.map((r) => parseFhirResourceTarget(r, { fhirBase: config.DVA_FHIR_URL, patientResource: config.TOKEN_EXCHANGE_PATIENT_RESOURCE })).filter((t): t is FhirResourceTarget => t !== undefined);
    const tasks = targets.filter((t) => t.resourceType === 'Task');
    if (config.TOKEN_EXCHANGE_REQUIRE_TASK === 'exactly-one' ? tasks.length !== 1 : targets.length === 0) throw new InvalidTarget('exactly one Task is required');
    const moduleClientId = await resolveModule(request.audience[0]!, tasks[0]?.reference);

    const prep = request.actor_token_type === TOKEN_TYPE.LAUNCH_AUTHORIZATION_CODE
      ? await redeemLaunchAuthorizationCode(request, subject, moduleClientId)
      : await backchannelPreparation(request, subject);

    await fhir.assertLaunchable(subject.patient, targets, config.CHECK_ENDPOINT_CLIENT_ID ? moduleClientId : undefined);
    const return_url = request.extra.return_url;
    if (return_url !== undefined) checkReturnUrl(return_url, pgo.return_url_allowlist); // docs/protocol.md §8 item 9

    const resources = [...tasks, ...targets.filter((t) => t.resourceType !== 'Task')].map((t) => t.reference);
    const { code, expires_in } = await launchCodes.issue(
      {
        sub: subject.sub, patient: subject.patient, audience: moduleClientId, pgo_client_id: client.clientId, resources, return_url,
        correlation: prep?.correlation, subject_grant_id: subject.grant_id, ...(prep?.consented && { consented: true as const }),
        ...(subject.act && { act: { sub: subject.act.sub } }), // docs/identity-check-reference.md: the launch keeps the representative
      },
      { client_id: moduleClientId },
    );
    await audit.record({ type: 'token-exchange.launch-code', client_id: client.clientId, sub: subject.sub, audience: moduleClientId, resources, outcome: 'success' });
    // docs/protocol.md §3.1.1 W8: the launch code rides in access_token, but it is no access token (token_type N_A)
    // the older alias is answered in its own name; a 3a-P request for an access token gets a launch code, and is told so
    const issued_token_type = request.requested_token_type === TOKEN_TYPE.ONE_TIME_CODE ? TOKEN_TYPE.ONE_TIME_CODE : TOKEN_TYPE.LAUNCH_CODE;
    ctx.body = tokenExchangeResponse({ access_token: code, issued_token_type, token_type: TOKEN_TYPE_N_A, expires_in });
  };

  async function resolveModule(audience: string, task: string | undefined): Promise<string> {
    const { config } = dva();
    if (config.TOKEN_EXCHANGE_AUDIENCE === 'dva-fhir-base') {
      if (audience !== config.DVA_FHIR_URL || !task) throw new InvalidTarget('audience is not allowed');
      const clientId = await fhir.moduleClientIdOf(await fhir.read(task));
      if (!clientId || !dva().module(clientId)) throw new InvalidTarget('resource is not accessible');
      return clientId;
    }
    if (!dva().module(audience)) throw new InvalidTarget('audience is not allowed');
    return audience;
  }

  /** 3a-W: the actor token is the code from the PGO's PAR leg (docs/protocol.md §3.1.1 W7; §8 items 5–6). */
  async function redeemLaunchAuthorizationCode(request: TokenExchangeRequest, subject: SubjectToken, moduleClientId: string): Promise<LaunchPrep> {
    const { config, provider } = dva();
    if (!config.LAUNCH_PREP_MODES.includes('par-cookie')) throw new InvalidRequest('unsupported actor_token_type');
    const code = await provider.AuthorizationCode.find(request.actor_token!);
    if (!code || code.clientId !== subject.client_id) throw new InvalidRequest(INVALID_ACTOR);
    if (code.isExpired || (code as { consumed?: number }).consumed || code.accountId !== subject.sub) throw new InvalidRequest(INVALID_ACTOR);
    // RFC 7636 §4.6 with S256, the PAR request's challenge
    const verifier = request.extra.code_verifier;
    if (!verifier || !code.codeChallenge || !timingSafeEqualString(sha256b64url(verifier), code.codeChallenge)) throw new InvalidRequest(INVALID_ACTOR);
    const prep = code.grantId ? await dva().grantContext.get(code.grantId) : undefined;
    if (prep?.kind !== 'launch-prep' || prep.sub !== subject.sub || prep.audience !== moduleClientId) throw new InvalidRequest(INVALID_ACTOR);
    // decision I40: the same representative (or none) as the collect token, like D7's DigiD step
    if (prep.act?.sub !== subject.act?.sub) throw new InvalidRequest(INVALID_ACTOR);
    await code.consume(); // atomic in the store adapter (docs/decisions-protocol.md D12): the loser gets invalid_grant
    return prep;
  }

  /** 3a-P: a pure back-channel exchange; the optional step-up (docs/protocol.md §3.1.2 step 3) behind a switch. */
  async function backchannelPreparation(request: TokenExchangeRequest, subject: SubjectToken): Promise<undefined> {
    const { config } = dva();
    if (request.actor_token !== undefined || !config.LAUNCH_PREP_MODES.some((m) => m.startsWith('backchannel'))) throw new InvalidRequest('unsupported actor_token_type');
    if (config.LAUNCH_PREP_MODES.includes('backchannel+stepup')) {
      const authTime = typeof subject.auth_time === 'number' ? subject.auth_time : 0;
      if (Math.floor(Date.now() / 1000) - authTime > config.STEP_UP_MAX_AGE) throw new StepUpRequired('a fresh identification at the DVA is required');
    }
    return undefined;
  }
}

export { GRANT_TYPE_TOKEN_EXCHANGE };
