import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { FhirError, OAuthError, operationOutcome } from '@koppelmij/core';
import { isStoreUnavailable, STORE_RETRY_AFTER, STORE_UNAVAILABLE } from './store.ts';

/**
 * Replies for every error a route throws, so bad input never becomes a 500 or a stack trace:
 * - OAuthError → RFC 6749 §5.2 JSON (or, with `challenge`, a RFC 6750/9449 `WWW-Authenticate`), plus `DPoP-Nonce`;
 * - FhirError → its OperationOutcome;
 * - Fastify schema/parse errors → 400 `invalid_request` or OperationOutcome `invalid`;
 * - the store is unavailable → 503 with `Retry-After` (fail closed, docs/decisions.md I75);
 * - anything else → 500 with a generic body, logged with the request id.
 */
export function registerErrorHandler(app: FastifyInstance, style: 'oauth' | 'fhir', options: { dpopAlgs?: readonly string[] } = {}): void {
  app.setErrorHandler((error: FastifyError | OAuthError | FhirError, request, reply) => {
    if (error instanceof OAuthError) return sendOAuthError(reply, error, style === 'fhir' ? options.dpopAlgs : undefined);
    if (error instanceof FhirError) return reply.code(error.status).type('application/fhir+json').send(error.outcome);
    if (isStoreUnavailable(error)) {
      request.log.error({ err: error }, 'store unavailable');
      return sendStoreUnavailable(reply, style);
    }
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      const message = (error as FastifyError).validation ? 'request does not match the schema' : 'malformed request';
      return style === 'fhir'
        ? reply.code(status).type('application/fhir+json').send(operationOutcome('invalid', message))
        : reply.code(400).send({ error: 'invalid_request', error_description: message });
    }
    request.log.error({ err: error }, 'unhandled error');
    return style === 'fhir'
      ? reply.code(500).type('application/fhir+json').send(operationOutcome('exception', 'internal error'))
      : reply.code(500).send({ error: 'server_error' });
  });
}

/** RFC 6749 §5.2 body; for resource servers (`algs` given) also the RFC 9449 §7.1 challenge. */
export function sendOAuthError(reply: FastifyReply, error: OAuthError, algs?: readonly string[]): FastifyReply {
  reply.code(error.status).header('cache-control', 'no-store');
  if (error.dpopNonce) reply.header('dpop-nonce', error.dpopNonce);
  if (algs) {
    const scheme = 'scheme' in error && error.scheme === 'Bearer' ? 'Bearer' : 'DPoP';
    reply.header('www-authenticate', error.toWwwAuthenticate(scheme, { algs }));
  }
  return reply.send(error.toJSON());
}

/**
 * 503 with `Retry-After` for a request that needed the store while it was away. OAuth style uses
 * RFC 6749 §4.1.2.1's `temporarily_unavailable`; FHIR style an OperationOutcome `transient`; a page
 * a short Dutch one. The one answer for a store away (docs/decisions.md I75), the quotas' included.
 */
export function sendStoreUnavailable(reply: FastifyReply, style: 'oauth' | 'fhir' | 'text' | 'html'): FastifyReply {
  reply.code(503).header('retry-after', String(STORE_RETRY_AFTER)).header('cache-control', 'no-store');
  const description = STORE_UNAVAILABLE;
  if (style === 'fhir') return reply.type('application/fhir+json').send(operationOutcome('transient', description));
  if (style === 'text') return reply.type('text/plain; charset=utf-8').send(description);
  if (style === 'html') return reply.type('text/html; charset=utf-8').send('<!doctype html><html lang="nl"><title>Even geduld</title><main><h1>Even geduld</h1><p>De dienst is tijdelijk niet beschikbaar. Probeer het zo opnieuw.</p></main></html>');
  return reply.send({ error: 'temporarily_unavailable', error_description: description });
}
