/**
 * FHIR R4 RESTful interactions (§3.1.0): read, search-type, create, update, and PATCH of a Task
 * (docs/protocol.md §4.8). Each checks scope first (403, decided without data), then looks the resource up
 * and hides what the token may not see (404); see policy.ts for that choice.
 */
import { FhirError } from '@koppelmij/core/errors';
import type { FastifyInstance } from 'fastify';
import { matches, parseSearch } from '../data/search.ts';
import { applyTaskPatch } from '../task-patch.ts';
import {
  accessOf,
  checkIfMatch,
  notFound,
  updateFrom,
  resourceBody,
  resourceId,
  resourceType,
  searchBundle,
  sendResource,
  type InstanceParams,
  type RouteContext,
  type TypeParams,
} from './common.ts';

export function registerResourceRoutes(scope: FastifyInstance, { config, data, policy }: RouteContext): void {
  const base = config.fhirUrl;

  // FHIR R4 §3.1.0.1 read
  scope.get<InstanceParams>('/:type/:id', async (request, reply) => {
    const type = resourceType(request.params.type);
    const access = accessOf(request);
    policy.requireScope(access, 'read', type);
    const resource = await data.read(type, resourceId(request.params.id));
    if (!resource || !policy.visible(access, resource)) throw notFound();
    return sendResource(reply, 200, resource);
  });

  // FHIR R4 §3.1.1 search (GET); results limited to what the token may see
  scope.get<TypeParams>('/:type', async (request, reply) => {
    const type = resourceType(request.params.type);
    const access = accessOf(request);
    const params = new URL(request.url, base).searchParams;
    policy.requireScope(access, 'search', type, params);
    const query = parseSearch(type, params);
    const candidates = await data.list(type, { ...(access.patient !== undefined && { patient: access.patient }), params });
    const found = candidates.filter((r) => policy.visible(access, r) && matches(r, query, base));
    return reply.type('application/fhir+json').send(searchBundle(base, type, params, found));
  });

  // FHIR R4 §3.1.0.7 create
  scope.post<TypeParams>('/:type', async (request, reply) => {
    const type = resourceType(request.params.type);
    const access = accessOf(request);
    policy.requireScope(access, 'create', type);
    policy.assertMayWrite(access, 'create', type);
    const resource = resourceBody(request.body, type);
    policy.assertMayCreate(access, resource);
    const created = await data.create(resource);
    reply.header('location', `${base}/${type}/${created.id}/_history/${created.meta!.versionId}`);
    return sendResource(reply, 201, created);
  });

  // FHIR R4 §3.1.0.4 update of an existing resource (no update-as-create)
  scope.put<InstanceParams>('/:type/:id', async (request, reply) => {
    const type = resourceType(request.params.type);
    const access = accessOf(request);
    policy.requireScope(access, 'update', type);
    policy.assertMayWrite(access, 'update', type);
    const id = resourceId(request.params.id);
    const resource = resourceBody(request.body, type, id);
    const current = await data.read(type, id);
    if (!current || !policy.visible(access, current)) throw notFound();
    checkIfMatch(request, current);
    return sendResource(reply, 200, await updateFrom(request, data, resource, current));
  });

  // docs/protocol.md §4.8: PATCH {iss}/Task/{id} with a FHIRPath Patch (FHIR R4 §3.1.0.6)
  scope.patch<InstanceParams>('/:type/:id', async (request, reply) => {
    const type = resourceType(request.params.type);
    if (type !== 'Task') throw new FhirError(405, 'not-supported', 'Only a Task can be patched');
    const access = accessOf(request);
    policy.requireScope(access, 'update', type);
    policy.assertMayWrite(access, 'patch', type); // docs/protocol.md §8 item 22
    const task = await data.read(type, resourceId(request.params.id));
    if (!task || !policy.visible(access, task)) throw notFound();
    policy.assertMayPatch(access, task); // docs/protocol.md §8 item 20
    checkIfMatch(request, task);
    // D12: the write succeeds only on the version read and checked here; a concurrent write wins or loses whole
    return sendResource(reply, 200, await updateFrom(request, data, applyTaskPatch(task, request.body, config.taskTransitions), task));
  });
}
