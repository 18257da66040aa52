import { afterEach, describe, expect, it } from 'vitest';
import { UnsecuredJWT } from 'jose';
import { launchSummary } from '../src/launch-summary.ts';
import { RETURN_URL } from './support/fake-dva.ts';
import { setup, type Harness } from './support/harness.ts';

let h: Harness;
afterEach(() => h.close());

describe('the module shows its launch (docs/decisions.md I135)', () => {
  it('shows scope, patient, fhirContext, return_url and the id_token claims, never a token', async () => {
    h = await setup();
    await h.launchAndAuthorize('module-3a');
    const page = await h.browser.get('/m/module-3a/app');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-testid="module-launch"');
    expect(page.body).toMatch(/data-testid="module-launch-scope"><code>launch openid fhirUser offline_access/);
    expect(page.body).toContain('data-testid="module-launch-patient"><code>p1</code>');
    expect(page.body).toContain('Task/t1');
    expect(page.body).toContain(`data-testid="module-launch-return_url"><code>${RETURN_URL}</code>`);
    expect(page.body).toContain('&quot;sub&quot;: &quot;pseudonym-1&quot;');
    expect(page.body).toContain('&quot;fhirUser&quot;: &quot;Patient/p1&quot;');
    expect(h.fake.issuedTokens.length).toBeGreaterThan(0);
    for (const token of h.fake.issuedTokens) expect(page.body).not.toContain(token);
  });

  it('reads cnf.jkt from a JWT access token and shortens the nonce', () => {
    const access_token = new UnsecuredJWT({ cnf: { jkt: 'thumbprint-of-the-dpop-key' } }).encode();
    const summary = launchSummary({ access_token, token_type: 'DPoP' }, { sub: 's', nonce: 'n'.repeat(43) });
    expect(summary.jkt).toBe('thumbprint-of-the-dpop-key');
    expect(summary.id_token).toEqual({ sub: 's', nonce: 'nnnn…nnnn' });
    expect(JSON.stringify(summary)).not.toContain(access_token);
    expect(launchSummary({ access_token: 'opaque', token_type: 'Bearer' }).jkt).toBeUndefined();
  });
});
