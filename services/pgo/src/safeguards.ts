/**
 * The safeguards against data of person B in the dossier of person A (docs/identity-check-reference.md "The
 * chosen design", "Alternatives"), run on every collect they apply to, in this order:
 * 1. 4.3.1 confirm screen: after the redirect back, before the code is redeemed;
 * 2. 4.2.4 token identity: the token response's identifying data against the dossier's person;
 * 3. 4.4 identity endpoint (default): the DVA compares, before the first data request;
 * 4. 4.3.2 quarantine: the fetched data waits in a box until the person moves it in.
 * A refusal stores nothing, revokes the token and says whose dossier is open and why.
 */
import type { FastifyReply } from 'fastify';
import { matchIdentity, type PersonData } from '@koppelmij/core/identity';
import { readTasks } from './tasks.ts';
import type { IdentityConfig, Safeguard } from './config.ts';
import type { PgoContext } from './context.ts';
import type { DvaTokens } from './dva-client.ts';
import { UpstreamError } from './errors.ts';
import { FhirClient, IdentityCheckRequired, type FhirResource } from './fhir.ts';
import { checkIdentity, dossierPerson } from './identity-check.ts';
import { confirmPage, identityWarningPage, type QuarantinedPerson, type RefusalReason } from './identity-views.ts';
import type { DossierRef, Session } from './session.ts';

const CONFIRM_TTL = 60; // the DVA's authorization codes live 60 s

/** Whether the safeguards run for this collect: for a represented person, or `always`. */
export function safeguardsApply(identity: Pick<IdentityConfig, 'when'>, dossier: DossierRef, tokens?: Pick<DvaTokens, 'act'>): boolean {
  // the DVA's `act` tells the PGO a representative chose the person, even in an own dossier
  return identity.when === 'always' || dossier.relation === 'represented' || tokens?.act !== undefined;
}

/** Whether 4.3.1 asks before the code is redeemed. */
export function confirmsFirst(identity: IdentityConfig, dossier: DossierRef): boolean {
  return identity.safeguards.includes('confirm-screen') && safeguardsApply(identity, dossier);
}

/** Safeguard 4.3.1: keeps the code unredeemed and asks (docs/identity-check-reference.md "what the user sees"). */
export async function askConfirmation(ctx: PgoContext, reply: FastifyReply, session: Session, dossier: DossierRef, code: { code: string; codeVerifier: string }): Promise<FastifyReply> {
  const state = await ctx.sessions.beginFlow(session, { kind: 'confirm', bsn: dossier.bsn, ...code }, CONFIRM_TTL);
  const services = [`de zorgaanbieder op ${new URL(ctx.config.dvaFhirUrl).host}`];
  return reply.type('text/html; charset=utf-8').send(confirmPage(session, dossier, state, services));
}

/**
 * The collect's tokens arrived (docs/protocol.md §2.3 step 6): the safeguards that apply decide, then the
 * Tasks are read (step 7) into the dossier, or into the quarantine box.
 */
export async function receiveCollect(ctx: PgoContext, reply: FastifyReply, session: Session, dossier: DossierRef, tokens: DvaTokens): Promise<FastifyReply> {
  const { identity } = ctx.config;
  // docs/protocol.md §2.3 step 6: the token response names the patient.
  if (tokens.patient === undefined) throw new UpstreamError('DVA', 'De zorgaanbieder zei niet voor welke patiënt de toegang geldt.');
  const patient = tokens.patient;
  const uses = (safeguard: Safeguard) => identity.safeguards.includes(safeguard) && safeguardsApply(identity, dossier, tokens);
  const notices: string[] = [];
  // a result short of `match`: a mismatch always refuses; the rest refuses only a required check
  const refused = (result: 'match' | RefusalReason): RefusalReason | undefined => {
    if (result === 'match') return undefined;
    if (result === 'mismatch' || identity.required) return result;
    notices.push('De zorgaanbieder kon niet bevestigen dat zijn gegevens over de persoon van dit dossier gaan; ze zijn opgehaald omdat de controle hier niet verplicht is.');
    return undefined;
  };
  const refuse = async (reason: RefusalReason) => {
    // nothing of the token's person is kept: the DVA ends the grant (RFC 7009; decision I9)
    await ctx.dva.revoke(tokens.access_token).catch((error: unknown) => reply.log.warn({ err: error }, 'revoking a refused collect token failed'));
    reply.log.info({ reason }, 'collect refused by an identity safeguard');
    return reply.code(409).type('text/html; charset=utf-8').send(identityWarningPage(dossier, reason));
  };

  if (uses('token-identity')) {
    // 4.2.4: the DVA's identifying data of the patient, compared before any data request
    const reason = refused(tokens.patient_identity ? matchIdentity(dossier.person ?? { bsn: dossier.bsn }, tokens.patient_identity) : 'no-identity');
    if (reason) return refuse(reason);
  }
  let availability: Record<string, boolean> | undefined;
  if (uses('identity-endpoint')) {
    // 4.4: the DVA compares; the PGO sends what PGO_IDENTITY_FIELDS allows
    const answer = await checkIdentity({ fhirBase: ctx.config.dvaFhirUrl, accessToken: tokens.access_token, person: dossierPerson(dossier, identity), fetch: ctx.fetch, path: identity.path });
    const reason = refused(answer === 'unavailable' ? 'unavailable' : answer.identity!);
    if (reason) return refuse(reason);
    if (answer !== 'unavailable') availability = answer.availability;
  }

  // docs/identity-check-reference.md "Gate": a DVA that requires its check refuses data until `match`; when this
  // PGO did not ask (its switches differ), that is the warning too, not an upstream failure
  const read = () => readTasks(ctx, tokens.access_token, patient, availability).catch((error: unknown) => {
    if (error instanceof IdentityCheckRequired) return undefined;
    throw error;
  });
  if (uses('quarantine')) {
    const data = await read();
    if (!data) return refuse('check-required');
    const person = await quarantinedPerson(ctx, dossier, tokens.access_token, patient);
    await ctx.quarantine.put(dossier.bsn, { tokens: { ...tokens, patient }, data, person });
    return reply.redirect(`/dossier/${dossier.bsn}/quarantine`, 303);
  }
  const data = await read();
  if (!data) return refuse('check-required');
  await ctx.dossiers.saveTokens(dossier.bsn, { ...tokens, patient });
  await ctx.dossiers.saveData(dossier.bsn, data);
  if (notices.length > 0) {
    session.data.notice = notices.join(' ');
    await ctx.sessions.save(session);
  }
  return reply.redirect(`/dossier/${dossier.bsn}`, 303);
}

/** 4.3.2: whom the DVA's Patient names, shown in the box so the person can tell whose data arrived. */
async function quarantinedPerson(ctx: PgoContext, dossier: DossierRef, accessToken: string, patient: string): Promise<QuarantinedPerson> {
  const fhir = new FhirClient({ base: ctx.config.dvaFhirUrl, accessToken, fetch: ctx.fetch });
  const resource = await fhir.read('Patient', patient).catch(() => undefined);
  const person = patientPerson(resource);
  const name = [...(person.given ?? []), person.family].filter(Boolean).join(' ') || 'an unnamed person';
  return {
    name,
    ...(person.birthDate !== undefined && { birthDate: person.birthDate }),
    matches: matchIdentity(dossier.person ?? { bsn: dossier.bsn }, person) === 'match',
  };
}

const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';

/** A FHIR Patient's identifying data: BSN identifier, official (else first) name, birth date. */
export function patientPerson(patient: FhirResource | undefined): PersonData {
  if (!patient) return {};
  const identifiers = Array.isArray(patient.identifier) ? (patient.identifier as Array<Record<string, unknown>>) : [];
  const bsn = identifiers.find((i) => i?.system === BSN_SYSTEM)?.value;
  const names = Array.isArray(patient.name) ? (patient.name as Array<Record<string, unknown>>).filter((n) => typeof n === 'object' && n !== null) : [];
  const name = names.find((n) => n.use === 'official') ?? names[0];
  const given = Array.isArray(name?.given) ? name.given.filter((g): g is string => typeof g === 'string') : [];
  return {
    ...(typeof bsn === 'string' && { bsn }),
    ...(typeof name?.family === 'string' && { family: name.family }),
    ...(given.length > 0 && { given }),
    ...(typeof patient.birthDate === 'string' && { birthDate: patient.birthDate }),
  };
}
