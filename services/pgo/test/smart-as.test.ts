/**
 * The parts of the PGO's authorization server for options 2a/2b that the cross-service flows
 * (test/flows/option-2a.test.ts, option-2b.test.ts) cannot single out: which registrations
 * become clients and with what metadata, and the session binding of the launch token.
 */
import { describe, expect, it } from 'vitest';
import { LaunchBindingMismatch, MemoryStore } from '@koppelmij/core';
import type { ModuleRegistration } from '@koppelmij/service-kit';
import { clientMetadata, offeredScopes, type DelegationModule } from '../src/smart-as/clients.ts';
import { launchTokens, sessionCorrelation } from '../src/smart-as/launch.ts';

const module = (overrides: Partial<ModuleRegistration>): DelegationModule =>
  ({
    client_id: 'module-2a', client_name: 'm', redirect_uris: ['https://module.example/cb'], scope: 'launch patient/*.read',
    token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://module.example/jwks', launch_option: '2a',
    integration_level: 'T', launch_url: 'https://module.example/launch', consent: 'never', openid: 'forbidden',
    ...overrides,
  }) as DelegationModule;

describe('clients of the PGO authorization server', () => {
  it('are private_key_jwt clients of the code grant that must use DPoP (RFC 9449 §5.2)', () => {
    expect(clientMetadata([module({})])).toEqual([{
      client_id: 'module-2a', client_name: 'm', redirect_uris: ['https://module.example/cb'], response_types: ['code'],
      grant_types: ['authorization_code'], scope: 'launch patient/*.read', token_endpoint_auth_method: 'private_key_jwt',
      dpop_bound_access_tokens: true, jwks_uri: 'https://module.example/jwks',
    }]);
  });

  it('accept every advertised assertion algorithm unless the registration names one (docs/decisions.md I101)', () => {
    expect(clientMetadata([module({})])[0]).not.toHaveProperty('token_endpoint_auth_signing_alg');
    expect(clientMetadata([module({ token_endpoint_auth_signing_alg: 'PS256' } as Partial<ModuleRegistration>)])[0]!.token_endpoint_auth_signing_alg).toBe('PS256');
  });

  it('leave out a module without keys: docs/protocol.md §3.3 step 8 is RFC 7523', () => {
    expect(clientMetadata([module({ token_endpoint_auth_method: 'client_secret_basic', client_secret: 'x'.repeat(32) } as Partial<ModuleRegistration>)])).toEqual([]);
  });

  it('are never offered openid: this server identifies nobody (docs/protocol.md §3.3 "Issues")', () => {
    expect(offeredScopes('launch openid fhirUser patient/*.read')).toEqual(['launch', 'fhirUser', 'patient/*.read']);
    expect(clientMetadata([module({ scope: 'openid launch' })])[0]!.scope).toBe('launch');
  });
});

describe('the launch token (docs/protocol.md §3.3 steps 3, 7)', () => {
  const session = (id: string) => ({ id, data: { csrf: 'c', dossiers: [] } });

  it('is bound to the session that made it, by a value that does not reveal the session id', () => {
    const id = 'Xq3v9d0ZkJ2r_session-id';
    expect(sessionCorrelation(session(id))).toBe(sessionCorrelation(session(id)));
    expect(sessionCorrelation(session(id))).not.toBe(sessionCorrelation(session('b')));
    expect(sessionCorrelation(session(id))).not.toContain(id);
  });

  it('is redeemed once, by its module in its session; another session burns it (docs/decisions-protocol.md D8)', async () => {
    const tokens = launchTokens(new MemoryStore());
    const binding = { client_id: 'module-2a', correlation: sessionCorrelation(session('a')) };
    const { code, expires_in } = await tokens.issue({ bsn: '999990020', taskId: 'task-2a', audience: 'module-2a', option: '2a' }, binding);
    expect(expires_in).toBe(180);
    await expect(tokens.redeem(code, { client_id: 'module-2a', correlation: sessionCorrelation(session('b')) })).rejects.toBeInstanceOf(LaunchBindingMismatch);
    await expect(tokens.redeem(code, binding)).rejects.toMatchObject({ error: 'invalid_grant' });

    const second = await tokens.issue({ bsn: '999990020', taskId: 'task-2a', audience: 'module-2a', option: '2a' }, binding);
    await expect(tokens.redeem(second.code, binding)).resolves.toMatchObject({ taskId: 'task-2a', option: '2a' });
  });
});
