/**
 * What both option-3a variants share after W0: the launch being prepared, the check of the
 * token-exchange answer (W8), and W9.
 */
import type { FastifyReply } from 'fastify';
import { TOKEN_TYPE, TOKEN_TYPE_N_A, type TokenExchangeResponse } from '@koppelmij/core/token-exchange';
import type { PgoContext } from './context.ts';
import { UpstreamError } from './errors.ts';
import { sendToModule } from './launch-redirect.ts';
import type { Session } from './session.ts';

/** One launch after W0 (docs/protocol.md §3.1.1): where it goes and for which Task. */
export interface PreparedLaunch {
  bsn: string;
  taskId: string;
  /** The module's client_id: the Endpoint's ext-ClientID (docs/protocol.md §6.2). */
  audience: string;
  /** `Endpoint.address`, the module's launch URL. */
  address: string;
}

/** What every launch option starts from, after W0: the session, the launch, and the dossier's collect token. */
export interface LaunchStart {
  session: Session;
  launch: PreparedLaunch;
  /** The collect token (the 3a `subject_token`) and the patient it is for. */
  collect: { accessToken: string; patient: string };
}

/** One launch option's start (docs/option-*.md); the router picks it by the module's registration. */
export type LaunchStarter = (ctx: PgoContext, reply: FastifyReply, start: LaunchStart) => Promise<FastifyReply>;

const LAUNCH_CODE_TYPES: readonly string[] = [TOKEN_TYPE.LAUNCH_CODE, TOKEN_TYPE.ONE_TIME_CODE];

/**
 * W8: the DVA issued what was asked (RFC 8693 §2.2.1 `issued_token_type`), and a launch code
 * says `token_type: N_A`, because it is not an access token (docs/protocol.md §3.1.1 W8, §8 item 19).
 * 3a-P asks for `…:access_token` (docs/protocol.md §3.1.2 step 2) and gets a launch code all the same: the
 * DVA says so honestly in `issued_token_type`, and the PGO accepts exactly that substitution.
 *
 * @returns the launch code (the `access_token` member)
 * @throws {UpstreamError} anything else
 */
export function launchCodeFrom(response: TokenExchangeResponse, requestedTokenType: string): string {
  const substituted = requestedTokenType === TOKEN_TYPE.ACCESS_TOKEN && response.issued_token_type === TOKEN_TYPE.LAUNCH_CODE;
  if (response.issued_token_type !== requestedTokenType && !substituted) {
    throw new UpstreamError('DVA', 'The DVA issued another kind of token than the PGO asked for.');
  }
  if (LAUNCH_CODE_TYPES.includes(response.issued_token_type) && response.token_type !== TOKEN_TYPE_N_A) {
    throw new UpstreamError('DVA', 'The DVA issued the launch code as if it were an access token.');
  }
  return response.access_token;
}

/** W9: the browser goes to the module with `iss` = the DVA FHIR base and `launch`, nothing else. */
export function launchModule(ctx: PgoContext, reply: FastifyReply, launch: PreparedLaunch, launchCode: string): FastifyReply {
  return sendToModule(reply, ctx.config.launchRedirect, launch.address, ctx.config.dvaFhirUrl, launchCode);
}
