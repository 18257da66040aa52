/**
 * The PGO's minimal FHIR facade for modules of level PS (docs/protocol.md §5; docs/integration-levels.md):
 * `GET {PGO_URL}/fhir/Patient/:id` (the dossier's person as the PGO knows them) and
 * `POST {PGO_URL}/fhir/Observation` (stored in the dossier). Every request carries a PGO access
 * token (RFC 9068 §4) bound by DPoP (RFC 9449 §7; docs/security-checklists.md §1.3), for its patient only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  DPOP_ALGORITHMS,
  dpopChallenge,
  epochOf,
  FhirError,
  InsufficientScope,
  InvalidToken,
  MissingCredentials,
  OAuthError,
  operationOutcome,
  scopesAllow,
  verifyResourceRequest,
  type AccessTokenClaims,
  type KeyValueStore,
} from '@koppelmij/core';
import { verifyPgoAccessToken, type PgoAccessTokenTarget } from './launch.ts';
import { PgoDomainStore } from './store.ts';
import { isFhirId } from '@koppelmij/core/fhir';

export interface FhirFacadeOptions extends PgoAccessTokenTarget {
  store: KeyValueStore;
}

const fhirId = z.object({ id: z.string().refine(isFhirId) }); // FHIR R4 `id`
const quantity = z.object({ value: z.number(), unit: z.string().max(20).optional() });
const observation = z.object({
  resourceType: z.literal('Observation'),
  status: z.string().max(20),
  code: z.object({ text: z.string().max(100).optional() }),
  subject: z.object({ reference: z.string().max(100) }),
  effectiveDateTime: z.string().max(40).optional(),
  valueQuantity: quantity.optional(),
  component: z.array(z.object({ valueQuantity: quantity.optional() })).max(10).optional(),
});

/** Mounts the facade under `fhirBase`'s path (with its own error handling: OperationOutcome and challenges). */
export async function registerFhirFacade(app: FastifyInstance, options: FhirFacadeOptions): Promise<void> {
  const results = new PgoDomainStore(options.store);
  const origin = new URL(options.fhirBase).origin;
  const verifyAccessToken = async (token: string): Promise<AccessTokenClaims> => {
    const claims = await verifyPgoAccessToken(token, options);
    // docs/security-checklists.md §1.3 (3) "not revoked": the module revoked it at terugkeer (pgo-domain/revocation.ts)
    if (await results.isRevoked(claims.jti)) throw new InvalidToken('The access token has been revoked');
    return claims;
  };
  const authenticate = async (request: FastifyRequest) =>
    verifyResourceRequest(
      // RFC 9449 §4.3 (9): htu from configuration, never from Host (RFC 9700 §4.13)
      { method: request.method, url: `${origin}${request.url}`, authorization: headerValues(request, 'authorization'), dpop: headerValues(request, 'dpop') },
      {
        verifyAccessToken,
        store: options.store, // RFC 9449 §11.1: proof jti replay cache
        notBefore: await epochOf(options.store).current(), // docs/decisions.md I77
        requireDpop: true, // every PGO access token is DPoP-bound (docs/decisions-protocol.md D9)
      },
    );

  await app.register(
    async (fhir) => {
      fhir.setErrorHandler(facadeErrors);
      fhir.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, fhir.getDefaultJsonParser('error', 'error'));

      fhir.get('/Patient/:id', async (request, reply) => {
        const claims = permitted((await authenticate(request)).claims, 'read', 'Patient');
        const { id } = fhirId.parse(request.params);
        const patient = id === claims.patient ? await results.patient(id) : undefined; // the token's patient only
        if (!patient) throw new FhirError(404, 'not-found', 'Patient not found');
        const { name, family, given, birthDate } = patient.person;
        return reply.type('application/fhir+json').send({
          resourceType: 'Patient',
          id,
          name: [{ text: name, ...(family !== undefined && { family }), ...(given !== undefined && { given }) }],
          ...(birthDate !== undefined && { birthDate }),
        });
      });

      // an API with a DPoP-bound token, not a form: service-kit's form check does not apply (I56)
      fhir.post('/Observation', { config: { acceptsCrossOrigin: true } }, async (request, reply) => {
        const claims = permitted((await authenticate(request)).claims, 'create', 'Observation');
        const parsed = observation.safeParse(request.body);
        if (!parsed.success) throw new FhirError(400, 'invalid', 'The Observation is not valid');
        // the patient compartment of the token (SMART `patient/` scopes)
        const patient = parsed.data.subject.reference === `Patient/${claims.patient}` ? await results.patient(claims.patient) : undefined;
        if (!patient) throw new FhirError(403, 'forbidden', 'The Observation is outside the token’s patient compartment');
        const stored = await results.addObservation(patient.bsn, {
          clientId: claims.client_id,
          text: summary(parsed.data),
          ...(parsed.data.effectiveDateTime !== undefined && { effective: parsed.data.effectiveDateTime }),
        });
        // FHIR R4 "create": 201 with Location [base]/[type]/[id]
        return reply.code(201).header('location', `${options.fhirBase}/Observation/${stored.id}`).type('application/fhir+json').send({ ...parsed.data, id: stored.id });
      });
    },
    { prefix: new URL(options.fhirBase).pathname.replace(/\/+$/, '') },
  );
}

/** The SMART scope check (docs/security-checklists.md §1.3: scopes are the resource server's to enforce). */
function permitted(claims: AccessTokenClaims, interaction: 'read' | 'create', resourceType: string): AccessTokenClaims & { patient: string } {
  if (typeof claims.patient !== 'string') throw new InsufficientScope('The access token has no patient context');
  if (!scopesAllow(claims.scope ?? '', { interaction, resourceType })) throw new InsufficientScope('The access token does not allow this request');
  return claims as AccessTokenClaims & { patient: string };
}

/** What the dossier page shows: the code's text and the values, e.g. "Bloeddruk: 120 / 80 mmHg". */
function summary(o: z.infer<typeof observation>): string {
  const values = [o.valueQuantity, ...(o.component ?? []).map((c) => c.valueQuantity)].filter((q) => q !== undefined);
  const unit = values.at(-1)?.unit ?? '';
  return `${o.code.text ?? 'Observation'}: ${values.map((q) => q.value).join(' / ')} ${unit}`.trim();
}

// RFC 6750 §3 / RFC 9449 §7.1: the status, a DPoP challenge and an OperationOutcome; other errors go up.
function facadeErrors(error: unknown, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof OAuthError) {
    reply.code(error.status).header('cache-control', 'no-store').header('www-authenticate', dpopChallenge(error instanceof MissingCredentials ? undefined : error, { algs: DPOP_ALGORITHMS }));
    return reply.type('application/fhir+json').send(operationOutcome(error.status === 403 ? 'forbidden' : 'login', error.error_description ?? error.error));
  }
  if (error instanceof FhirError) return reply.code(error.status).type('application/fhir+json').send(error.outcome);
  if (error instanceof z.ZodError) return reply.code(404).type('application/fhir+json').send(operationOutcome('not-found', 'Resource not found'));
  throw error;
}

// Every occurrence of a header: Node keeps only the first `Authorization` (RFC 9449 §7.2: two are invalid_request).
function headerValues(request: FastifyRequest, name: string): string[] | undefined {
  const raw = request.raw.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!);
  return values.length ? values : undefined;
}
