/**
 * Authentication and authorization failures as a FHIR server answers them: the status and the
 * `WWW-Authenticate` challenge of RFC 6750 §3 / RFC 9449 §7.1, and an OperationOutcome body.
 */
import { dpopChallenge, MissingCredentials } from '@koppelmij/core/dpop';
import { operationOutcome, OAuthError, wwwAuthenticate, type IssueType } from '@koppelmij/core/errors';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface ChallengeOptions {
  /** The DPoP proof algorithms accepted (RFC 9449 §7.1 `algs`). */
  algs: readonly string[];
  /** docs/decisions-protocol.md D9: when DPoP is mandatory, the Bearer scheme is not offered. */
  dpopRequired: boolean;
}

/**
 * The challenges for `error` (RFC 9110 §11.6.1: one per scheme):
 * - no credentials: a bare `DPoP algs="…"`, and a bare `Bearer` unless DPoP is required
 *   (RFC 6750 §3, RFC 9449 §7.1: no error code without credentials);
 * - credentials sent with `Bearer`: the RFC 6750 §3.1 error, plus the DPoP challenge so the
 *   client learns DPoP is available (RFC 9449 §7.2);
 * - otherwise the DPoP challenge with the error (docs/security-checklists.md §1.3 (7)).
 */
export function challenges(request: FastifyRequest, error: OAuthError, options: ChallengeOptions): string[] {
  const params = { algs: options.algs };
  if (error instanceof MissingCredentials) {
    return options.dpopRequired ? [dpopChallenge(undefined, params)] : [dpopChallenge(undefined, params), wwwAuthenticate('Bearer', {})];
  }
  const bearer = /^bearer /i.test(request.headers.authorization ?? '');
  const dpopError = error.error === 'invalid_dpop_proof' || error.error === 'use_dpop_nonce';
  if (bearer && !dpopError) return [error.toWwwAuthenticate('Bearer'), dpopChallenge(undefined, params)];
  return [dpopChallenge(error, params)];
}

/** The OperationOutcome issue code of an OAuth error (FHIR R4 issue-type value set). */
export function issueType(error: OAuthError): IssueType {
  switch (error.error) {
    case 'invalid_token':
      return 'login'; // the client must obtain a (new) token
    case 'insufficient_scope':
      return 'forbidden';
    case 'invalid_request':
      return 'invalid';
    default:
      return 'security'; // invalid_dpop_proof, use_dpop_nonce
  }
}

/** Sends `error` with its status, challenge, `DPoP-Nonce` (RFC 9449 §9) and an OperationOutcome. */
export function sendAuthError(request: FastifyRequest, reply: FastifyReply, error: OAuthError, options: ChallengeOptions): FastifyReply {
  const values = challenges(request, error, options);
  reply.code(error.status).header('cache-control', 'no-store').header('www-authenticate', values.length === 1 ? values[0] : values);
  if (error.dpopNonce) reply.header('dpop-nonce', error.dpopNonce);
  return reply.type('application/fhir+json').send(operationOutcome(issueType(error), error.error_description ?? error.error));
}

/** The error handler of the FHIR routes: OAuth errors answered here, everything else passed up to service-kit's. */
export function authErrorHandler(options: ChallengeOptions) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (error instanceof OAuthError) return sendAuthError(request, reply, error, options);
    throw error;
  };
}
