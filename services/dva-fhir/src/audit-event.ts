/**
 * Every data access and every launch as a FHIR R4 AuditEvent (https://hl7.org/fhir/R4/auditevent.html),
 * kept in the FHIR data itself so a patient's token can search its own (docs/decisions.md I93):
 * the client as requestor, the RFC 8693 `act` chain as further agents (pseudonyms and client
 * ids only), the patient and the resource as entities, the outcome. Never a BSN, a token, a
 * proof, a query string or a resource's content.
 */
import type { AccessTokenClaims } from '@koppelmij/core/access-token';
import { tupleKey, type KeyValueStore } from '@koppelmij/core/store';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorChain } from './audit.ts';
import type { FhirData } from './data/fhir-data.ts';
import { isResourceType, type FhirResource } from './data/resource.ts';
import { isFhirId } from '@koppelmij/core/fhir';
import { launchResources } from './launch-context.ts';
import type { Access } from './policy.ts';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const CLIENT_ID = 'urn:ietf:params:oauth:client-id'; // RFC 9068 §2.2 `client_id`
/** How long a launch is remembered as recorded: the longest a DVA grant lives (I31). */
const LAUNCH_MEMORY = 183 * 24 * 3600;

/** FHIR R4 restful-interaction codes and AuditEvent.action (C, R, U, E) of a request. */
function interaction(request: FastifyRequest): { code: string; action: string } {
  const id = (request.params as { id?: string } | undefined)?.id;
  switch (request.method) {
    case 'POST':
      return { code: 'create', action: 'C' };
    case 'PUT':
      return { code: 'update', action: 'U' };
    case 'PATCH':
      return { code: 'patch', action: 'U' };
    default:
      return id === undefined ? { code: 'search-type', action: 'E' } : { code: 'read', action: 'R' };
  }
}

/** AuditEvent.outcome: 0 success, 4 minor failure (refused), 8 serious failure (server). */
function outcome(status: number): string {
  return status < 400 ? '0' : status < 500 ? '4' : '8';
}

/** The requestor (the token's client) and the actor chain of `act`, current actor first (RFC 8693 §4.1). */
function agents(claims: AccessTokenClaims): Record<string, unknown>[] {
  return [
    {
      type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] },
      who: { identifier: { system: CLIENT_ID, value: claims.client_id } },
      requestor: true,
    },
    ...actorChain(claims.act).map((sub) => ({
      type: { text: 'actor (RFC 8693 act)' },
      who: { identifier: { value: sub } },
      requestor: false,
    })),
  ];
}

function patientEntity(patient: string): Record<string, unknown> {
  return {
    what: { reference: `Patient/${patient}` },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
    role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
  };
}

function resourceEntity(reference: string): Record<string, unknown> {
  return { what: { reference }, type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' } };
}

function auditEvent(access: Access, subtype: Record<string, unknown>, action: string, status: number, entities: Record<string, unknown>[]): FhirResource {
  return {
    resourceType: 'AuditEvent',
    id: '',
    type: { system: DCM, code: '110110', display: 'Patient Record' },
    subtype: [subtype],
    action,
    recorded: new Date().toISOString(),
    outcome: outcome(status),
    outcomeDesc: `HTTP ${status}`,
    agent: agents(access.claims),
    source: { observer: { display: 'dva-fhir' }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] },
    entity: [...(access.patient !== undefined ? [patientEntity(access.patient)] : []), ...entities],
  };
}

/** The AuditEvent of one finished data request. */
export function accessAuditEvent(request: FastifyRequest, reply: FastifyReply, access: Access): FhirResource {
  const { code, action } = interaction(request);
  const { type, id } = (request.params ?? {}) as { type?: string; id?: string };
  const entities: Record<string, unknown>[] = [];
  const created = /\/([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})\/_history\//.exec(String(reply.getHeader('location') ?? ''));
  if (created) entities.push(resourceEntity(`${created[1]}/${created[2]}`));
  else if (type !== undefined && isResourceType(type) && id !== undefined && isFhirId(id)) entities.push(resourceEntity(`${type}/${id}`));
  else if (type !== undefined && isResourceType(type)) entities.push({ type: { system: 'http://hl7.org/fhir/resource-types', code: type } });
  return auditEvent(access, { system: 'http://hl7.org/fhir/restful-interaction', code }, action, reply.statusCode, entities);
}

/** The AuditEvent of a launch: a module token's first request, with the launch resources of its `fhirContext`. */
export function launchAuditEvent(access: Access, fhirBase: string): FhirResource {
  const launch = [...launchResources(access.claims.fhirContext, fhirBase)].map(resourceEntity);
  return auditEvent(access, { system: 'http://hl7.org/fhir/smart-app-launch', code: 'launch', display: 'SMART App Launch' }, 'E', 200, launch);
}

export interface AuditEventsContext {
  data: FhirData;
  store: KeyValueStore;
  fhirBase: string;
}

/**
 * Records an AuditEvent for every request of `scope` whose token was verified, before the answer
 * leaves, and a launch event the first time a module token's grant is seen. A failure to record is
 * logged; the answer stands (the structured log line of audit.ts is the second trail).
 */
export function registerAuditEvents(scope: FastifyInstance, { data, store, fhirBase }: AuditEventsContext): void {
  scope.addHook('onSend', async (request, reply) => {
    const { access } = request;
    if (access === undefined) return;
    await record(request.log, async () => {
      const grant = access.claims.grant_id ?? access.claims.jti;
      if (access.kind === 'module' && (await store.setIfAbsent(tupleKey('audit:launch', String(grant)), 1, LAUNCH_MEMORY))) {
        await data.create(launchAuditEvent(access, fhirBase));
      }
      await data.create(accessAuditEvent(request, reply, access));
    });
  });
}

async function record(log: FastifyBaseLogger, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    log.error({ err }, 'audit event not recorded');
  }
}
