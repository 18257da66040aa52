/**
 * docs/decisions.md I102, I104: the DVA advertises exactly the client-authentication methods its
 * registrations use; public clients are modules of options 1, 3a, 3b or level S only.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dvaAdvertisedSupport, parseRegistrations, resolveFromRoot } from '../src/index.ts';

const urls = { PGO_URL: 'http://pgo.test', MODULE_URL: 'http://module.test', DVA_AUTH_URL: 'http://dva.test', DVA_FHIR_URL: 'http://fhir.test/fhir', DIGID_URL: 'http://digid.test' };
const demo = () => JSON.parse(readFileSync(resolveFromRoot('deploy/demo/registrations.json'), 'utf8')) as { modules: Array<Record<string, unknown>> };
const publicModule = (launch_option: string) => ({
  client_id: `public-${launch_option}`, client_name: 'p', launch_option, launch_url: 'http://app.test/launch', redirect_uris: ['http://app.test/'],
  token_endpoint_auth_method: 'none', dpop_bound_access_tokens: true, scope: 'launch openid patient/*.read',
});

describe('the DVA’s advertised client authentication', () => {
  it('is what the demo registrations use: no `none` without a public client', () => {
    expect(dvaAdvertisedSupport(parseRegistrations(JSON.stringify(demo()), urls)).token_endpoint_auth_methods_supported).toEqual(['private_key_jwt', 'client_secret_basic']);
  });

  it('offers `none` once a module is registered as a public client', () => {
    const file = demo();
    file.modules.push(publicModule('3a'));
    const registrations = parseRegistrations(JSON.stringify(file), urls);
    expect(registrations.modules.at(-1)).toMatchObject({ token_endpoint_auth_method: 'none', dpop_bound_access_tokens: true });
    expect(dvaAdvertisedSupport(registrations).token_endpoint_auth_methods_supported).toEqual(['private_key_jwt', 'client_secret_basic', 'none']);
  });

  it('binds tokens to DPoP unless a registration says false (docs/decisions.md I100)', () => {
    const file = demo();
    const { dpop_bound_access_tokens: _unset, ...silent } = publicModule('3a');
    file.modules.push(silent);
    const registrations = parseRegistrations(JSON.stringify(file), urls);
    expect(registrations.modules.at(-1)!.dpop_bound_access_tokens).toBe(true);
    expect(registrations.pgos[0]!.dpop_bound_access_tokens).toBe(false); // the demo PGO proves no DPoP at the DVA
  });

  it.each(['2a', '2b'])('refuses a public client of option %s (it authenticates with RFC 7523 at the PGO)', (option) => {
    const file = demo();
    file.modules.push(publicModule(option));
    expect(() => parseRegistrations(JSON.stringify(file), urls)).toThrow(/public client/);
  });
});
