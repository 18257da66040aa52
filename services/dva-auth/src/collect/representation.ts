/**
 * Representation (vertegenwoordiging, docs/identity-check-reference.md "Representation in the flows"): who
 * acts, and for whom. DigiD's id_token names the person the session is for (`bsn`) and, under a
 * mandate, the representative (`act`); the DVA keeps the person as the patient and the
 * representative as the actor, by pseudonym only, from the login to every token derived from it.
 */
import type { ActClaim, Actor } from '@koppelmij/core';
import type { DvaAuth, GrantContext } from '../context.ts';
import type { DigidIdentity } from './digid.ts';
import { pseudonym, type PatientRecord } from '../patients.ts';

type Details = Awaited<ReturnType<DvaAuth['provider']['interactionDetails']>>;

/**
 * The representative as RFC 8693 §4.1 actor: the DVA's pseudonym of their BSN (the same
 * HMAC as every `sub`, so never the BSN). Undefined when the person acts for themselves.
 */
export function representativeOf(identity: DigidIdentity, pseudonymSecret: string): Actor | undefined {
  return identity.act ? { sub: pseudonym(pseudonymSecret, identity.act.bsn) } : undefined;
}

/** The representative of a grant: the collect's or a standalone launch's login, or the launch's (collect token or DVA session). */
export function grantRepresentative(context: GrantContext | undefined): Actor | undefined {
  if (context?.kind === 'collect' || context?.kind === 'standalone') return context.act;
  if (context?.kind === 'module') return context.launch.act;
  return undefined;
}

/**
 * The access-token claims of representation and of the identity check (docs/identity-check.md
 * "Tokens"):
 * - `act`: the representative (RFC 8693 §4.1), unless the token already names an actor (a
 *   delegation token of options 2a/2b, whose chain nests the representative itself);
 * - `representation: true`: the person was chosen by a representative, so the resource server's
 *   switch "only under representation" applies (a fact, not a policy; dva-fhir decides);
 * - `identity_grant`: for a module token derived from a collect token, that collect token's grant,
 *   whose identity check at the resource server covers the derived token too.
 */
export function representationClaims(context: GrantContext | undefined, extra: { act?: unknown }): { act?: ActClaim; representation?: true; identity_grant?: string } {
  const representative = grantRepresentative(context);
  const identityGrant = context?.kind === 'module' ? context.launch.subject_grant_id : undefined;
  return {
    ...(representative && extra.act === undefined && { act: representative }),
    ...(representative && { representation: true as const }),
    ...(identityGrant !== undefined && { identity_grant: identityGrant }),
  };
}

/**
 * Safeguard 4.2.4 (docs/identity-check-reference.md): the represented person's identifying data in the token
 * response, so the PGO can compare before any data request. Data minimisation: name and birth
 * date, the fields the matching rules use when no BSN decides; never the BSN.
 */
export function patientIdentity(patient: PatientRecord): { family?: string; given?: string[]; birthDate?: string } {
  return {
    ...(patient.family !== undefined && { family: patient.family }),
    ...(patient.given !== undefined && { given: patient.given }),
    ...(patient.birthDate !== undefined && { birthDate: patient.birthDate }),
  };
}

/** The interaction result of a DigiD login (`/interaction/:uid/digid`): who acts, if anyone but the person. */
export interface RepresentationResult {
  representation: { act?: Actor };
}

/** The login result's representation part; present on every DigiD login, so "acting for themselves" is recorded too. */
export function representationResult(act: Actor | undefined): RepresentationResult {
  return { representation: act ? { act } : {} };
}

/**
 * The representative a collect's consent records in the grant context: the DigiD login of this
 * authorization request when there was one (oidc-provider keeps it as `lastSubmission`), else
 * the one of the session's existing grant being extended (a collect within the DVA session).
 */
export async function consentRepresentative(dva: DvaAuth, details: Details): Promise<Actor | undefined> {
  const last = (details.lastSubmission as Partial<RepresentationResult> | undefined)?.representation;
  if (last) return last.act;
  return grantRepresentative(details.grantId ? await dva.grantContext.get(details.grantId) : undefined);
}

/**
 * The token response members of representation (docs/identity-check.md "Tokens"):
 * - `act`, as in the access token, for clients that treat the token as opaque (RFC 9068 §6):
 *   the PGO learns that a representative chose the person, the module shows "on behalf of";
 * - `patient_identity` on a collect token response when IDENTITY_IN_TOKEN_RESPONSE says so
 *   (safeguard 4.2.4): the patient's identifying data for the PGO's own comparison.
 */
export function representationResponse(context: GrantContext | undefined, dva: DvaAuth): Record<string, unknown> {
  const representative = grantRepresentative(context);
  const response: Record<string, unknown> = {};
  if (representative) response.act = representative;
  const when = dva.config.IDENTITY_IN_TOKEN_RESPONSE;
  if (context?.kind === 'collect' && (when === 'always' || (when === 'representation' && representative))) {
    const patient = dva.patients.bySub(context.sub);
    if (patient) response.patient_identity = patientIdentity(patient);
  }
  return response;
}
