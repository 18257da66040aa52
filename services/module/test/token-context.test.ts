import { describe, expect, it } from 'vitest';
import { IncompleteLaunchContext, readTokenContext } from '../src/token-context.ts';
import type { TokenResponse } from '../src/smart-client.ts';

const iss = 'http://fhir.localhost:4200/fhir';
const base: TokenResponse = { access_token: 'at', token_type: 'DPoP', patient: 'p1', fhirContext: [{ reference: 'Task/t1' }] };

function expectIncomplete(tokens: TokenResponse, message: RegExp) {
  expect(() => readTokenContext(tokens, iss)).toThrow(IncompleteLaunchContext);
  expect(() => readTokenContext(tokens, iss)).toThrow(message);
}

describe('readTokenContext (docs/protocol.md §4.3, §4.5, §8 item 30)', () => {
  it('reads the SMART shape: bare patient id, fhirContext Task, DPoP token type', () => {
    expect(readTokenContext({ ...base, return_url: 'http://pgo.localhost:4000/back' }, iss)).toEqual({
      patient: 'p1',
      task: 't1',
      tokenType: 'DPoP',
      returnUrl: 'http://pgo.localhost:4000/back',
    });
  });

  it('reads `Patient/<id>` (docs/decisions-protocol.md D10) and a case-insensitive Bearer token type (RFC 6749 §5.1)', () => {
    expect(readTokenContext({ ...base, patient: 'Patient/p1', token_type: 'bearer' }, iss)).toMatchObject({ patient: 'p1', tokenType: 'Bearer' });
  });

  it('reads Task, patient and return_url from an authorization_details entry for this FHIR base (docs/decisions-protocol.md D11)', () => {
    const tokens: TokenResponse = {
      access_token: 'at',
      token_type: 'DPoP',
      authorization_details: [
        { type: 'fhir_context', locations: ['http://other/fhir'], patient: 'p9', return_url: 'http://evil.example' },
        { type: 'fhir_context', locations: [iss], patient: 'p1', fhirContext: [{ reference: 'Task/t1' }], return_url: 'http://pgo.localhost:4000/back' },
      ],
    };
    expect(readTokenContext(tokens, iss)).toEqual({ patient: 'p1', task: 't1', tokenType: 'DPoP', returnUrl: 'http://pgo.localhost:4000/back' });
  });

  it('fails without a Task', () => expectIncomplete({ ...base, fhirContext: [] }, /Task/));
  it('fails with two Tasks', () => expectIncomplete({ ...base, resource: 'Task/t2' }, /Task/));
  it('fails without a patient', () => expectIncomplete({ ...base, patient: undefined }, /patient/));
  it('fails for a token type other than DPoP or Bearer', () => expectIncomplete({ ...base, token_type: 'mac' }, /token_type/));
  it('fails for a return_url that is not an http(s) URL', () => expectIncomplete({ ...base, return_url: 'javascript:alert(1)' }, /return_url/));
  it('fails for two different return_urls', () => {
    const details = [{ type: 'fhir_context', locations: [iss], return_url: 'http://b.example' }];
    expectIncomplete({ ...base, return_url: 'http://a.example', authorization_details: details }, /return_url/);
  });
});
