// Parsing an RFC 8693 request: the Koppelmij 3a-W launch-code exchange (docs/protocol.md §3.1.1 W7).
import assert from 'node:assert/strict';
import {
  GRANT_TYPE_TOKEN_EXCHANGE, InvalidRequest, TOKEN_TYPE, actorChain, delegate, parseFhirResourceTarget, parseTokenExchangeRequest,
} from '@koppelmij/core';

export function main(): void {
  const body = new URLSearchParams([
    ['grant_type', GRANT_TYPE_TOKEN_EXCHANGE],
    ['subject_token', 'collect-token'],
    ['subject_token_type', TOKEN_TYPE.ACCESS_TOKEN],
    ['actor_token', 'launch-authorization-code'],
    ['actor_token_type', TOKEN_TYPE.LAUNCH_AUTHORIZATION_CODE],
    ['requested_token_type', TOKEN_TYPE.LAUNCH_CODE],
    ['audience', 'module-3a'],
    ['resource', 'Task/456'],
    ['resource', 'Observation/789'],
  ]);
  const policy = {
    subjectTokenTypes: [TOKEN_TYPE.ACCESS_TOKEN],
    actorTokenTypes: [TOKEN_TYPE.LAUNCH_AUTHORIZATION_CODE],
    requestedTokenTypes: [TOKEN_TYPE.LAUNCH_CODE],
  };
  const request = parseTokenExchangeRequest(body, policy);
  assert.deepEqual(request.resource, ['Task/456', 'Observation/789']);
  assert.deepEqual(parseFhirResourceTarget('https://dva.example/fhir/Task/456', { fhirBase: 'https://dva.example/fhir', patientResource: 'reject' }), {
    resourceType: 'Task', id: '456', reference: 'Task/456',
  });

  // actor_token without actor_token_type is invalid_request (RFC 8693 §2.1).
  body.delete('actor_token_type');
  assert.throws(() => parseTokenExchangeRequest(body, policy), InvalidRequest);

  // The act claim of a delegated token nests earlier actors (RFC 8693 §4.1).
  const act = delegate({ act: { sub: 'pgo-demo' } }, { sub: 'module-2a' });
  assert.deepEqual(actorChain({ act }), ['module-2a', 'pgo-demo']);
}
