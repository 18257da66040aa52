import { describe, expect, it } from 'vitest';
import { refusal } from '../src/refusal.ts';
import { setup } from './support/harness.ts';

describe('the DVA refusal in plain words (docs/decisions.md I136)', () => {
  it('tells an already used launch from another person and from a refused consent', () => {
    expect(refusal('invalid_request', 'launch is invalid, expired or already used').message).toContain('al gebruikt');
    expect(refusal('access_denied', 'the person who logged in at DigiD is not the person this launch was prepared for').message).toContain('iemand anders');
    expect(refusal('access_denied', 'the user did not consent').message).toContain('geen toestemming');
    expect(refusal('access_denied', undefined)).toEqual({ message: 'Uw zorgaanbieder heeft de toegang geweigerd.' });
  });

  it('drops a description that is not RFC 6749 §4.1.2.1 syntax', () => {
    expect(refusal('access_denied', 'quote " not allowed')).toEqual({ message: 'Uw zorgaanbieder heeft de toegang geweigerd.' });
  });

  it('shows the description, the code and a link back to the PGO on the callback error page', async () => {
    const h = await setup();
    try {
      const launch = await h.browser.get(`/m/module-3a/launch?iss=${encodeURIComponent(h.fake.fhirBase)}&launch=x`);
      const state = new URL(String(launch.headers.location)).searchParams.get('state')!;
      const page = await h.browser.get(`/m/module-3a/callback?state=${state}&error=access_denied&error_description=${encodeURIComponent('the user did not consent')}&iss=${encodeURIComponent(h.fake.base)}`); // RFC 9207 §2: an error response names its issuer too
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain('<code data-testid="module-error-code">access_denied</code>');
      expect(page.body).toContain('<q data-testid="module-error-description">the user did not consent</q>');
      expect(page.body).toContain('U heeft geen toestemming gegeven');
      expect(page.body).toContain('<a href="http://pgo.localhost:4000" data-testid="module-error-home">');
    } finally {
      await h.close();
    }
  });
});
