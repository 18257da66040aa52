/**
 * W7–W9 (docs/protocol.md §3.1.1): the token exchange with an authorization code from the DVA as
 * `actor_token`, then the browser to the module with the launch code. Option 3a-W redeems its
 * W6 code here, option 1 its step-6 code (docs/option-1.md decision 5).
 */
import type { FastifyReply } from 'fastify';
import { GRANT_TYPE_TOKEN_EXCHANGE, TOKEN_TYPE } from '@koppelmij/core/token-exchange';
import type { PgoContext } from './context.ts';
import { launchCodeFrom, launchModule, type PreparedLaunch } from './launch-code.ts';
import { returnUrl } from './return.ts';

export async function exchangeLaunchAuthorizationCode(
  ctx: PgoContext,
  reply: FastifyReply,
  launch: PreparedLaunch,
  code: string,
  codeVerifier: string,
): Promise<FastifyReply> {
  const { accessToken } = await ctx.dossiers.collectToken(launch.bsn);
  // W7 (docs/protocol.md §3.1.1 table); client_id and client authentication are added by the DVA client.
  const body = new URLSearchParams({
    grant_type: GRANT_TYPE_TOKEN_EXCHANGE,
    subject_token: accessToken,
    subject_token_type: TOKEN_TYPE.ACCESS_TOKEN,
    actor_token: code,
    actor_token_type: TOKEN_TYPE.LAUNCH_AUTHORIZATION_CODE,
    requested_token_type: TOKEN_TYPE.LAUNCH_CODE,
    audience: launch.audience,
    code_verifier: codeVerifier,
    resource: `Task/${launch.taskId}`,
    return_url: returnUrl(ctx, launch.bsn, launch.taskId),
  });
  const launchCode = launchCodeFrom(await ctx.dva.tokenExchange(body), TOKEN_TYPE.LAUNCH_CODE); // W8
  return launchModule(ctx, reply, launch, launchCode); // W9
}
