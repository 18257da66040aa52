// SMART App Launch helpers: scopes, and the launch context in a token response.
import assert from 'node:assert/strict';
import { launchContextFields, scopesAllow, taskFromTokenResponse } from '@koppelmij/core';

export function main(): void {
  const scopes = 'launch openid fhirUser patient/*.read patient/Task.write';
  assert.equal(scopesAllow(scopes, { interaction: 'read', resourceType: 'Observation' }), true);
  assert.equal(scopesAllow(scopes, { interaction: 'update', resourceType: 'Task' }), true);
  assert.equal(scopesAllow(scopes, { interaction: 'create', resourceType: 'Observation' }), false);

  const fields = launchContextFields(
    { patient: '789', task: 'Task/456', fhirBase: 'https://dva.example/fhir', returnUrl: 'https://pgo.example/launch_callback?task_id=456' },
    { patientFormat: 'id', taskDelivery: ['fhirContext', 'resource'] },
  );
  assert.deepEqual(fields.fhirContext, [{ reference: 'Task/456' }]);
  assert.equal(fields.resource, 'Task/456');
  assert.equal(taskFromTokenResponse(fields), 'Task/456');
}
