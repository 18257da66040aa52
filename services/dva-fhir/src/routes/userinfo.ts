/**
 * The identity-check endpoint (docs/identity-check-reference.md "Contract"): `POST {base}/userinfo` (path
 * configurable), a UserInfo-style endpoint of the resource server that the PGO calls between
 * authorization and its first data request. Two checks: `identity` (is the dossier's person the
 * token's patient?) and `availability` (beschikbaarheidstoets: which kinds of data the DVA holds
 * for the patient). Authentication is the data routes' own (token, DPoP, revocation).
 */
import { FhirError, InsufficientScope } from '@koppelmij/core/errors';
import type { IdentityMatchResult } from '@koppelmij/core/identity';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { actorChain } from '../audit.ts';
import type { AuditTrail } from '../audit-trail.ts';
import type { IdentityCheck } from '../identity-check.ts';
import type { Access } from '../policy.ts';
import { accessOf, type RouteContext } from './common.ts';

/** The patient-compartment types the availability check reports on (docs/protocol.md §2.3, §6.5). */
export const AVAILABILITY_TYPES = ['Task', 'ServiceRequest', 'Observation', 'QuestionnaireResponse'] as const;

// docs/identity-check-reference.md "Contract": the person whose dossier is open in the PGO. Bounded, no unknown members.
const Person = z.strictObject({
  bsn: z.string().max(16).optional(),
  family: z.string().max(200).optional(),
  given: z.array(z.string().max(100)).max(10).optional(),
  initials: z.string().max(50).optional(),
  birthDate: z.string().max(10).optional(),
});

const Body = z
  .strictObject({
    person: Person.optional(),
    checks: z.array(z.enum(['identity', 'availability'])).min(1).max(2),
  })
  .refine((b) => !b.checks.includes('identity') || b.person !== undefined, 'the identity check needs a person');

/** The answer: the same shape, `{ identity: 'mismatch', attemptsLeft: 0 }`, for every mismatch. */
export interface UserinfoResponse {
  identity?: IdentityMatchResult;
  availability?: Partial<Record<(typeof AVAILABILITY_TYPES)[number], boolean>>;
  attemptsLeft?: number;
}

export interface UserinfoContext extends RouteContext {
  identity: IdentityCheck;
  trail: AuditTrail;
}

/** Registers the endpoint in the authenticated (but not identity-gated) scope. */
export function registerUserinfoRoute(scope: FastifyInstance, { config, data, policy, identity, trail }: UserinfoContext): void {
  scope.post(`/${config.identityCheck.path}`, async (request, reply) => {
    const access = accessOf(request);
    if (access.kind === 'system') throw new FhirError(403, 'forbidden', 'The identity check needs a patient token');
    const parsed = Body.safeParse(request.body);
    if (!parsed.success) throw new FhirError(400, 'invalid', 'The request must be { person, checks: ["identity", "availability"] }');
    const { person, checks } = parsed.data;

    const answer: UserinfoResponse = {};
    if (checks.includes('identity')) {
      const { verdict, audit } = await identity.check(access, person!);
      answer.identity = verdict.identity;
      answer.attemptsLeft = verdict.attemptsLeft;
      // docs/identity-check-reference.md: "Every call is audit-logged without the identifying values themselves"
      const act = actorChain(access.claims.act);
      await trail.record(
        {
          type: 'identity-check',
          outcome: verdict.identity === 'match' ? 'success' : 'failure',
          client_id: access.claims.client_id,
          sub: access.claims.sub,
          ...(act.length > 0 && { act }),
          ...audit,
        },
        request.log,
      );
    }
    // never for a token that may not reach the data: availability is the DVA's data too
    if (checks.includes('availability') && (await identity.allows(access))) {
      answer.availability = await availability(access, { data, policy });
    }
    return reply.header('cache-control', 'no-store').send(answer);
  });
}

/** For each type the token may search: whether the patient has any resource of it the token can see. */
async function availability(access: Access, { data, policy }: Pick<RouteContext, 'data' | 'policy'>): Promise<UserinfoResponse['availability']> {
  const answer: NonNullable<UserinfoResponse['availability']> = {};
  for (const type of AVAILABILITY_TYPES) {
    try {
      policy.requireScope(access, 'search', type);
    } catch (error) {
      if (error instanceof InsufficientScope) continue;
      throw error;
    }
    answer[type] = (await data.list(type, { patient: access.patient! })).some((resource) => policy.visible(access, resource));
  }
  return answer;
}
