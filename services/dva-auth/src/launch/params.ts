import { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { InvalidGrant, LaunchBindingMismatch, TOKEN_TYPE, checkPresentedLaunchCode } from '@koppelmij/core';
import type { DvaAuth } from '../context.ts';
import { verifySubjectToken } from '../token-exchange/subject-token.ts';
import { allowedScope } from '../provider/clients.ts';
import { isOption1Module } from './option-1.ts';
import { isStandaloneModule } from './standalone.ts';

type Validator = (ctx: KoaContextWithOIDC, value: string | undefined, client: { clientId: string }) => Promise<void>;

const fromPar = (ctx: KoaContextWithOIDC) => ctx.oidc.route === 'pushed_authorization_request' || Boolean(ctx.oidc.entities.PushedAuthorizationRequest);

/**
 * Authorization-request parameters beyond OAuth's, each with its validator. oidc-provider runs
 * every validator on every /authorize and /par request (also when the parameter is absent).
 */
export function extraParams(dva: () => DvaAuth): NonNullable<Configuration['extraParams']> {
  /** docs/protocol.md §3.1.1 W1; §8 items 2–3: the launch preparation carries the collect token, by PAR only. */
  const subject_token: Validator = async (ctx, value, client) => {
    const { config } = dva();
    // §8 item 2: `audience` marks a launch preparation, which needs its subject_token; option 1's names its module without one (docs/protocol.md §3.2)
    if (value === undefined && ctx.oidc.params?.audience !== undefined && !isOption1Module(dva(), ctx.oidc.params.audience)) throw new errors.InvalidRequest('subject_token is missing');
    if (value === undefined) return;
    if (!fromPar(ctx)) throw new errors.InvalidRequest('subject_token is only accepted in a pushed authorization request');
    if (!dva().pgo(client.clientId) || !config.LAUNCH_PREP_MODES.includes('par-cookie')) throw new errors.UnauthorizedClient('launch preparation is not enabled for this client');
    try {
      await verifySubjectToken(value, client.clientId, dva());
    } catch {
      throw new errors.InvalidRequest('subject_token is invalid');
    }
    if (ctx.oidc.params?.subject_token_type !== TOKEN_TYPE.ACCESS_TOKEN) throw new errors.InvalidRequest('unsupported subject_token_type');
    const audience = ctx.oidc.params?.audience as string | undefined;
    if (!audience || !dva().module(audience)) throw new errors.InvalidRequest('audience is not a registered module');
  };

  /** docs/protocol.md §8 item 3: an unknown acr_values value is refused, not ignored. */
  const acr_values: Validator = async (_ctx, value) => {
    if (value !== undefined && value !== dva().config.ACR_VALUES) throw new errors.InvalidRequest('unsupported acr_values');
  };

  /** docs/protocol.md §3.1.1 W13; §8 items 11–12: a module's launch must be live and meant for it. */
  const launch: Validator = async (ctx, value, client) => {
    const module = dva().module(client.clientId);
    if (!module) {
      if (value !== undefined) throw new errors.InvalidRequest('launch is only accepted from a module');
      return;
    }
    if (value === undefined) {
      if (isStandaloneModule(dva(), client.clientId)) return; // level S: a standalone launch (docs/protocol.md §5)
      throw new errors.InvalidRequest('launch is required');
    }
    try {
      // docs/protocol.md §8 items 11–12; docs/decisions-protocol.md D8: a live code in another module's hands is burned
      await checkPresentedLaunchCode(dva().launchCodes, value, client.clientId);
    } catch (error) {
      if (!(error instanceof InvalidGrant)) throw error;
      // an unknown, used or misdirected launch code is an event worth auditing
      await dva().audit.record({ type: 'launch.refused', client_id: client.clientId, outcome: 'failure', reason: error instanceof LaunchBindingMismatch ? 'another client' : 'unknown, expired or used' });
      throw new errors.InvalidRequest('launch is invalid, expired or already used');
    }
    // SMART App Launch (EHR launch): the `launch` parameter goes with the `launch` scope (docs/decisions.md I48)
    const scope = ctx.oidc.params?.scope;
    if (typeof scope !== 'string' || !scope.split(' ').includes('launch')) throw new errors.InvalidScope('the launch parameter requires the launch scope', 'launch');
  };

  /** SMART App Launch: `aud` must be this DVA's FHIR base (docs/protocol.md §8 item 14). Lost under PAR (docs/oidc-provider-notes.md gotcha 13). */
  const aud: Validator = async (ctx, value, client) => {
    if (!dva().module(client.clientId) || fromPar(ctx)) return;
    if (value !== dva().config.DVA_FHIR_URL) throw new errors.InvalidRequest('aud must be the FHIR base URL of this DVA');
  };

  /** docs/protocol.md §8 item 15: nothing beyond the registration; openid per the module's policy; fhirUser needs openid. */
  const scope: Validator = async (_ctx, value, client) => {
    const registration = dva().module(client.clientId) ?? dva().pgo(client.clientId);
    if (!registration || value === undefined) return;
    const requested = value.split(' ').filter(Boolean);
    const allowed = new Set(allowedScope(registration).split(' '));
    if (requested.some((s) => !allowed.has(s))) throw new errors.InvalidScope('requested scope is not allowed', value);
    if (requested.includes('fhirUser') && !requested.includes('openid')) throw new errors.InvalidScope('fhirUser requires openid', 'fhirUser');
    const policy = dva().module(client.clientId)?.openid;
    if (policy === 'forbidden' && requested.includes('openid')) throw new errors.InvalidScope('openid is not allowed for this module', 'openid');
    if (policy === 'required' && !requested.includes('openid')) throw new errors.InvalidScope('openid is required for this module', 'openid');
  };

  return { subject_token, subject_token_type: null, audience: null, acr_values, launch, aud, scope } as unknown as NonNullable<Configuration['extraParams']>;
}
