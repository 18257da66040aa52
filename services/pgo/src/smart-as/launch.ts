/**
 * Options 2a and 2b, steps 3–4 (docs/protocol.md §3.3, §3.4): the PGO's own launch token, bound to the PGO
 * session that pressed "start", and the browser to the module with `iss` = the PGO FHIR base.
 */
import type { FastifyReply } from 'fastify';
import { LaunchCodes, sha256b64url, type KeyValueStore } from '@koppelmij/core';
import type { PgoContext } from '../context.ts';
import type { PreparedLaunch } from '../launch-code.ts';
import { sendToModule } from '../launch-redirect.ts';
import type { Session } from '../session.ts';

/** The option a PGO-as-authorization-server launch follows. */
export type DelegationOption = '2a' | '2b';

/** What a launch token stands for (docs/option-2a-2b.md); the store holds it under the token's hash. */
export type PgoLaunch = TaskLaunch | PgoDomainLaunch;

/** A Task's launch by option 2a or 2b. */
export interface TaskLaunch {
  bsn: string;
  taskId: string;
  /** The module's client_id (the Endpoint's ext-ClientID). */
  audience: string;
  option: DelegationOption;
}

/** Integration level PS (docs/protocol.md §5; docs/integration-levels.md): a module of the PGO's domain, no Task, no DVA. */
export interface PgoDomainLaunch {
  bsn: string;
  /** The module's client_id. */
  audience: string;
  option: 'PS';
  /** What the PGO's FHIR facade shows of the person, as the PGO knew it at the start. */
  person: { name: string; family?: string; given?: string[]; birthDate?: string };
}

/** The launch token's lifetime: as short as the DVA's launch code in 3a (spec Appendix B). */
export const LAUNCH_TOKEN_TTL = 180;

/** The PGO's launch tokens: opaque, single use (docs/decisions-protocol.md D12), bound to module and session. */
export function launchTokens(store: KeyValueStore): LaunchCodes<PgoLaunch> {
  return new LaunchCodes<PgoLaunch>(store, { namespace: 'pgo-launch', ttl: LAUNCH_TOKEN_TTL });
}

/**
 * The value that binds a launch token to the PGO session that made it (docs/protocol.md §3.3 step 3, 7):
 * a hash of the session id, so the store never holds the id itself.
 */
export function sessionCorrelation(session: Session): string {
  return sha256b64url(`pgo-launch-session:${session.id}`);
}

/** The PGO's FHIR base: the `iss` of a 2a/2b launch, where its SMART configuration lives. */
export const pgoFhirBase = (ctx: Pick<PgoContext, 'config'>): string => `${ctx.config.pgoUrl}/fhir`;

/**
 * Steps 3–4: a launch token for `launch`, bound to the module (docs/protocol.md §8 item 12) and to this
 * session (the correlation the PGO's /authorize checks), then the browser to the module.
 */
export async function startDelegatedLaunch(
  ctx: PgoContext,
  reply: FastifyReply,
  session: Session,
  launch: PreparedLaunch,
  option: DelegationOption,
): Promise<FastifyReply> {
  const { code } = await launchTokens(ctx.store).issue(
    { bsn: launch.bsn, taskId: launch.taskId, audience: launch.audience, option },
    { client_id: launch.audience, correlation: sessionCorrelation(session) },
  );
  return sendToModule(reply, ctx.config.launchRedirect, launch.address, pgoFhirBase(ctx), code);
}
