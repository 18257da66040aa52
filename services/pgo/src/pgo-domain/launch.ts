/**
 * Integration level PS (docs/protocol.md §5; docs/integration-levels.md "PGO-standalone launch"): the PGO
 * launches a module of its own domain with its own launch token, as in options 2a/2b (bound to
 * the module and to this PGO session), and its authorization server answers `/token` with a
 * PGO access token for the PGO's FHIR facade. No Task, no DVA, no consent: the module is part of
 * the PGO's domain.
 */
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { randomToken, verifyJwtAccessToken, type AccessTokenClaims } from '@koppelmij/core';
import type { SigningKey } from '@koppelmij/service-kit';
import type { PgoContext } from '../context.ts';
import { PageError } from '../errors.ts';
import { sendToModule } from '../launch-redirect.ts';
import { pathParam, requireDossier } from '../params.ts';
import { checkCsrf } from '../session.ts';
import { launchTokens, pgoFhirBase, sessionCorrelation, type PgoDomainLaunch } from '../smart-as/launch.ts';
import { pgoPatientId, PgoDomainStore } from './store.ts';

/** The PGO access token's lifetime: short, the module stores one result (docs/security-checklists.md; RFC 9700 §4.10). */
export const PGO_ACCESS_TOKEN_TTL = 300;

/** `POST /dossier/:bsn/modules/:clientId/start`: the PGO's launch token, then the browser to the module. */
export function registerPgoDomainStart(app: FastifyInstance, ctx: PgoContext): void {
  app.post('/dossier/:bsn/modules/:clientId/start', async (request, reply) => {
    const { session, dossier } = requireDossier(await ctx.sessions.load(request), pathParam(request, 'bsn'));
    checkCsrf(session, request.body);
    const module = ctx.registrations.modules.get(pathParam(request, 'clientId'));
    if (module?.integrationLevel !== 'PS' || module.launchUrl === undefined) {
      throw new PageError(422, 'Deze module kan niet worden gestart', 'Deze module hoort niet bij deze PGO.');
    }
    const { family, given, birthDate } = dossier.person ?? {};
    const launch: PgoDomainLaunch = {
      bsn: dossier.bsn,
      audience: module.clientId,
      option: 'PS',
      person: { name: dossier.name, ...(family !== undefined && { family }), ...(given !== undefined && { given }), ...(birthDate !== undefined && { birthDate }) },
    };
    // docs/protocol.md §8 item 12 and §3.3 step 7 at the PGO: bound to the module and to this session
    const { code } = await launchTokens(ctx.store).issue(launch, { client_id: module.clientId, correlation: sessionCorrelation(session) });
    return sendToModule(reply, ctx.config.launchRedirect, module.launchUrl, pgoFhirBase(ctx), code);
  });
}

/**
 * The PGO's token answer for a PS launch: a JWT access token (RFC 9068 §2) for the PGO's FHIR
 * facade, bound to the key the code grant bound (RFC 9449 §6.1 `cnf.jkt`), whose `patient` is
 * the dossier's pseudonym (SMART App Launch `launch/patient` context).
 */
export async function pgoDomainTokenResponse(
  ctx: PgoContext,
  signingKey: SigningKey,
  launch: PgoDomainLaunch,
  grant: { jkt: string; scope?: string | undefined },
): Promise<Record<string, unknown>> {
  const patient = pgoPatientId(ctx.config.cookieSecret, launch.bsn);
  await new PgoDomainStore(ctx.store).savePatient(patient, { bsn: launch.bsn, person: launch.person }, PGO_ACCESS_TOKEN_TTL);
  const accessToken = await new SignJWT({
    client_id: launch.audience,
    ...(grant.scope && { scope: grant.scope }),
    cnf: { jkt: grant.jkt },
    patient,
  })
    .setProtectedHeader({ typ: 'at+jwt', alg: signingKey.alg, kid: signingKey.kid }) // RFC 9068 §2.1
    .setIssuer(ctx.config.pgoUrl)
    .setAudience(pgoFhirBase(ctx)) // RFC 8707: only the PGO's facade
    .setSubject(patient) // a pseudonym, never the BSN
    .setIssuedAt()
    .setExpirationTime(`${PGO_ACCESS_TOKEN_TTL}s`)
    .setJti(randomToken())
    .sign(signingKey.privateKey);
  return {
    access_token: accessToken,
    token_type: 'DPoP', // RFC 9449 §5
    expires_in: PGO_ACCESS_TOKEN_TTL,
    ...(grant.scope && { scope: grant.scope }),
    patient,
  };
}

/** Where a PGO access token is valid: its issuer, its audience (the FHIR facade) and the key it is signed with. */
export interface PgoAccessTokenTarget {
  /** The tokens' `iss`: the PGO's authorization server. */
  issuer: string;
  /** `{PGO_URL}/fhir`: the tokens' `aud` and the base of every `htu`. */
  fhirBase: string;
  /** The PGO authorization server's key. */
  signingKey: Pick<SigningKey, 'verifyKey'>;
}

/** RFC 9068 §4 for a token of {@link pgoDomainTokenResponse}: typ, signature, iss, aud = the facade, exp. */
export function verifyPgoAccessToken(token: string, target: PgoAccessTokenTarget): Promise<AccessTokenClaims> {
  return verifyJwtAccessToken(token, { key: target.signingKey.verifyKey, issuer: target.issuer, audience: target.fhirBase });
}
