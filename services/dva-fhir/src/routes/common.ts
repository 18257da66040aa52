/** What the resource routes share: route context, parameter and body checks, replies. */
import { FhirError } from '@koppelmij/core/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DvaFhirConfig } from '../config.ts';
import { etagOf, VersionConflict, type FhirData } from '../data/fhir-data.ts';
import { isObject, isResourceType, type FhirResource, type ResourceType } from '../data/resource.ts';
import type { Access, Policy } from '../policy.ts';
import { isFhirId } from '@koppelmij/core/fhir';

export interface RouteContext {
  config: DvaFhirConfig;
  data: FhirData;
  policy: Policy;
}

export type TypeParams = { Params: { type: string } };
export type InstanceParams = { Params: { type: string; id: string } };

/** The token's access, set by the authentication hook before any data route runs. */
export function accessOf(request: FastifyRequest): Access {
  if (!request.access) throw new Error('data route reached without authentication'); // a wiring bug, never a client error
  return request.access;
}

/** The resource type of the URL, or 404 for a type this server does not serve. */
export function resourceType(type: string): ResourceType {
  if (!isResourceType(type)) throw new FhirError(404, 'not-supported', 'Unknown resource type');
  return type;
}

/** An id in the URL that cannot exist (FHIR R4 `id` datatype) is simply not found. */
export function resourceId(id: string): string {
  if (!isFhirId(id)) throw notFound();
  return id;
}

export function notFound(): FhirError {
  return new FhirError(404, 'not-found', 'Resource not found');
}

/**
 * The request body as a resource of `type` (FHIR R4 §3.1.0.4, §3.1.0.7): a JSON object whose
 * `resourceType` is `type` and, on update, whose `id` is the URL's.
 *
 * @throws FhirError 400 `invalid`
 */
export function resourceBody(body: unknown, type: ResourceType, id?: string): FhirResource {
  if (!isObject(body)) throw new FhirError(400, 'invalid', 'The body must be a FHIR resource');
  if (body.resourceType !== type) throw new FhirError(400, 'invalid', 'resourceType does not match the URL');
  if (id !== undefined && body.id !== id) throw new FhirError(400, 'invalid', 'id does not match the URL');
  if (body.meta !== undefined && !isObject(body.meta)) throw new FhirError(400, 'invalid', 'meta must be an object');
  // create: "the server SHALL ignore" a client-assigned id (FHIR R4 §3.1.0.7)
  return { ...body, resourceType: type, id: id ?? '' } as FhirResource;
}

/**
 * FHIR R4 §3.1.0.4.2 version-aware update: with `If-Match`, the stored version must be the one
 * the client last read.
 *
 * @throws FhirError 412 `conflict`
 */
export function checkIfMatch(request: FastifyRequest, current: FhirResource): void {
  const ifMatch = request.headers['if-match'];
  if (ifMatch === undefined) return;
  const wanted = /^(?:W\/)?"([^"]*)"$/.exec(ifMatch.trim())?.[1];
  if (wanted !== current.meta?.versionId) throw new FhirError(412, 'conflict', 'The resource has changed (If-Match)');
}

/**
 * Writes `next` over `current`, the version this request read and checked. When another write
 * came in between: 412 if the client asked with `If-Match` (FHIR R4 §3.1.0.4.2; its version is
 * gone), else 409 `conflict` (docs/decisions.md I91).
 */
export async function updateFrom(request: FastifyRequest, data: FhirData, next: FhirResource, current: FhirResource): Promise<FhirResource> {
  try {
    return await data.update(next, current.meta?.versionId ?? '1');
  } catch (error) {
    if (error instanceof VersionConflict && request.headers['if-match'] !== undefined) {
      throw new FhirError(412, 'conflict', 'The resource has changed (If-Match)');
    }
    throw error;
  }
}

/** Replies with one resource, its ETag and Last-Modified (FHIR R4 §3.1.0.1.2). */
export function sendResource(reply: FastifyReply, status: number, resource: FhirResource): FastifyReply {
  reply.code(status).type('application/fhir+json').header('etag', etagOf(resource));
  if (resource.meta?.lastUpdated) reply.header('last-modified', new Date(resource.meta.lastUpdated).toUTCString());
  return reply.send(resource);
}

/** A `searchset` Bundle (FHIR R4 §3.1.1.2). */
export function searchBundle(fhirBase: string, type: string, params: URLSearchParams, matches: FhirResource[]): Record<string, unknown> {
  const query = params.toString();
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: matches.length,
    link: [{ relation: 'self', url: `${fhirBase}/${type}${query ? `?${query}` : ''}` }],
    entry: matches.map((resource) => ({
      fullUrl: `${fhirBase}/${resource.resourceType}/${resource.id}`,
      resource,
      search: { mode: 'match' },
    })),
  };
}
