import { Browser, findForm } from '../browser.ts';
import { expectEqual, fail, pass, verdict, type Case } from '../kit.ts';
import { atClientCallback, follow, launchUrl, loginAndCollect, preparedLaunch, standaloneAuthorizeUrl } from '../journey.ts';
import { header, redirectQuery, type Target } from '../target.ts';

/** The module's authorization request the launch URL leads to (captured at the DVA's /authorize, unanswered). */
async function moduleAuthorizeUrl(target: Target, browser: Browser, url: string): Promise<URL> {
  const dva = new URL(target.dva).origin;
  const page = await browser.navigate(url, { stopAt: (u) => u.origin === dva && u.pathname === '/authorize' });
  return new URL(page.url);
}

/** Group L: the launch and group CK: the launch cookie (docs/conformance.md). */
export const launchCases: Case[] = [
  {
    id: 'L-01', what: 'a stolen launch URL opened in another browser gets no code, and is burned for its owner too', clause: 'docs/protocol.md §8 item 13; docs/decisions-protocol.md D7, D8', journey: true,
    differs: 'docs/decisions.md I5 (DigiD for the launch\'s person instead of access_denied)',
    async run(target) {
      const { browser, url } = await preparedLaunch(target);
      const thief = await follow(target, new Browser(), url);
      const owner = await follow(target, browser, url);
      return verdict([thief.code && 'the thief got a code', !thief.atDigid && !thief.error && `the thief ended at ${thief.page.url}`, owner.code && 'the launch was not burned', expectEqual('owner afterwards: error', owner.error, 'invalid_request')]);
    },
  },
  {
    id: 'L-02', what: 'a stolen launch URL with the thief logging in at DigiD as himself is access_denied', clause: 'docs/protocol.md §8 item 13; docs/decisions-protocol.md D7', journey: true,
    async run(target) {
      const { url } = await preparedLaunch(target);
      const thief = new Browser();
      const arrival = await follow(target, thief, url);
      if (!arrival.atDigid) return fail(`the thief was not sent to DigiD (ended at ${arrival.page.url})`);
      const login = await thief.navigate(arrival.page.url);
      const back = await thief.submit(login, 'digid-login', { bsn: target.journey!.otherPerson }, { stopAt: (u) => atClientCallback(target, u) });
      const query = new URL(back.url).searchParams;
      return verdict([query.has('code') && 'the thief got a code', expectEqual('error', query.get('error'), 'access_denied')]);
    },
  },
  {
    id: 'L-05', what: 'a launch code replayed in the same browser after its use gets no second code', clause: 'docs/protocol.md §8 item 11; RFC 6749 §10.5', journey: true,
    async run(target) {
      const { browser, url } = await preparedLaunch(target);
      const first = await follow(target, browser, url);
      if (!first.code) return fail(`the first use got no code (${first.error ?? first.page.url})`);
      const again = await follow(target, browser, url);
      return verdict([again.code && 'a second code', expectEqual('error', again.error, 'invalid_request')]);
    },
  },
  {
    id: 'L-07', what: 'a launch code presented by another client is refused and burned for its own module', clause: 'docs/protocol.md §8 item 12; docs/decisions-protocol.md D8', journey: true,
    async run(target) {
      const { browser, url } = await preparedLaunch(target);
      const launch = new URL(url).searchParams.get('launch')!;
      const authorize = new URL(`${target.dva}/authorize`);
      authorize.search = new URLSearchParams({ response_type: 'code', client_id: target.clientId, redirect_uri: target.redirectUri, scope: 'launch/patient openid', state: 's', aud: target.fhir, launch, code_challenge: 'c'.repeat(43), code_challenge_method: 'S256' }).toString();
      const other = redirectQuery(await target.http(authorize.href), target.dva);
      const owner = await follow(target, browser, url);
      return verdict([expectEqual('other client: error', other?.get('error'), 'invalid_request'), other?.has('code') && 'the other client got a code', owner.code && 'the launch was not burned', expectEqual('owner afterwards: error', owner.error, 'invalid_request')]);
    },
  },
  {
    id: 'L-09', what: 'a launch code used as an access token at the FHIR server is invalid_token', clause: 'docs/protocol.md §8 item 19; RFC 6750 §3.1', journey: true,
    async run(target) {
      const { url } = await preparedLaunch(target);
      const reply = await target.http(`${target.fhir}/Patient`, { headers: { authorization: `Bearer ${new URL(url).searchParams.get('launch')}`, accept: 'application/fhir+json' } });
      return verdict([expectEqual('status', reply.status, 401), !/invalid_token/.test(header(reply, 'www-authenticate') ?? '') && `WWW-Authenticate ${header(reply, 'www-authenticate')}`]);
    },
  },
  {
    id: 'L-13', what: 'the module discards an authorization response whose iss is not its authorization server', clause: 'RFC 9207 §2.4', journey: true,
    async run(target) {
      const { browser, url } = await preparedLaunch(target);
      const arrival = await follow(target, browser, url);
      if (!arrival.code) return fail(`no authorization response to tamper with (${arrival.error ?? arrival.page.url})`);
      const tampered = new URL(arrival.page.url);
      tampered.searchParams.set('iss', 'https://evil.example');
      const page = await browser.navigate(tampered.href);
      return page.status >= 400 && page.status < 500 ? pass() : fail(`the module answered ${page.status}`);
    },
  },
  {
    id: 'L-16', what: 'a launch parameter with a scope lacking launch is invalid_scope, and launch scope without a launch parameter is invalid_request', clause: 'SMART App Launch "Obtain authorization code"; docs/decisions.md I48', journey: true,
    async run(target) {
      const { browser, url } = await preparedLaunch(target);
      const original = await moduleAuthorizeUrl(target, browser, url);
      const noScope = new URL(original);
      noScope.searchParams.set('scope', (original.searchParams.get('scope') ?? '').split(' ').filter((s) => s !== 'launch').join(' '));
      const noLaunch = new URL(original);
      noLaunch.searchParams.delete('launch');
      const withoutScope = await follow(target, browser, noScope.href);
      const withoutLaunch = await follow(target, browser, noLaunch.href);
      const control = await follow(target, browser, original.href); // the code was not spent by the refusals
      return verdict([expectEqual('without launch scope: error', withoutScope.error, 'invalid_scope'), expectEqual('without launch: error', withoutLaunch.error, 'invalid_request'), !control.code && `the untampered request got no code (${control.error})`]);
    },
  },
  {
    id: 'CK-01', what: 'the launch cookie is __Host-, Secure, HttpOnly, Path=/, no Domain, Max-Age ≤ 180, SameSite', clause: 'RFC 6265bis §4.1.3.2; docs/decisions.md I45', journey: true,
    async run(target) {
      const { browser } = await preparedLaunch(target);
      const host = new URL(target.dva).hostname;
      const name = target.journey!.launchCookie;
      const line = browser.setCookies.find((c) => c.host === host && c.line.startsWith(`${name}=`))?.line;
      if (!line) return fail(`no ${name} cookie was set by the DVA`);
      const attrs = line.split(';').slice(1).map((a) => a.trim().toLowerCase());
      const maxAge = Number(attrs.find((a) => a.startsWith('max-age='))?.slice('max-age='.length));
      return verdict([
        !name.startsWith('__Host-') && 'no __Host- prefix', !attrs.includes('secure') && 'not Secure', !attrs.includes('httponly') && 'not HttpOnly',
        !attrs.includes('path=/') && 'not Path=/', attrs.some((a) => a.startsWith('domain=')) && 'has a Domain', !(maxAge > 0 && maxAge <= 180) && `Max-Age ${maxAge}`,
        !attrs.some((a) => a === 'samesite=lax' || a === 'samesite=none') && 'no SameSite=Lax or None',
      ]);
    },
  },
  {
    id: 'CK-03', what: 'two launches prepared in one browser both complete there, the later first', clause: 'docs/decisions.md I46', journey: true,
    async run(target) {
      const { browser, url: first } = await preparedLaunch(target);
      const second = await launchUrl(target, browser);
      const b = await follow(target, browser, second);
      const a = await follow(target, browser, first);
      return verdict([!b.code && `the second launch got no code (${b.error ?? b.page.url})`, !a.code && `the first launch got no code (${a.error ?? a.page.url})`]);
    },
  },
  {
    id: 'CK-04', what: 'a launch cookie value planted before the launch is replaced, and gives its planter no code', clause: 'RFC 6265bis §8.8 (session fixation); docs/decisions.md I45', journey: true,
    async run(target) {
      const name = target.journey!.launchCookie;
      const planted = 'A'.repeat(43);
      const victim = new Browser();
      victim.plantCookie(target.dva, name, planted);
      await loginAndCollect(target, victim, target.journey!.person);
      const url = await launchUrl(target, victim);
      const thief = new Browser();
      thief.plantCookie(target.dva, name, planted);
      const arrival = await follow(target, thief, url);
      return verdict([victim.cookieValue(new URL(target.dva).hostname, name) === planted && 'the DVA kept the planted value', arrival.code && 'the planter got a code']);
    },
  },
  {
    id: 'CK-12', what: 'token endpoint answers carry Cache-Control: no-store', clause: 'RFC 6749 §5.1, §5.2',
    async run(target) {
      const reply = await target.post('/token', { grant_type: 'authorization_code', code: 'x'.repeat(43), redirect_uri: target.redirectUri, code_verifier: 'v'.repeat(43), ...(await target.clientAuth()) });
      return /no-store/.test(header(reply, 'cache-control') ?? '') ? pass() : fail(`Cache-Control ${header(reply, 'cache-control')}`);
    },
  },
  {
    id: 'CK-07', what: 'a cross-site POST of the DVA consent form without its anti-CSRF token is refused (403)', clause: 'RFC 6749 §10.12; RFC 9700 §4.7', journey: true,
    async run(target) {
      const browser = new Browser();
      const digid = await browser.navigate(standaloneAuthorizeUrl(target).url, { stopAt: (u) => atClientCallback(target, u) });
      const consent = await browser.submit(digid, 'digid-login', { bsn: target.journey!.person }, { stopAt: (u) => atClientCallback(target, u) });
      const form = findForm(consent.body, 'consent-approve');
      if (!form) return fail(`no consent form (at ${consent.url})`);
      const action = new URL(form.action || consent.url, consent.url);
      const reply = await target.http(action.href, { method: 'POST', headers: { origin: 'https://evil.example', cookie: browser.cookieHeader(action), 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' });
      return verdict([expectEqual('status', reply.status, 403), redirectQuery(reply, target.dva)?.has('code') && 'a code was issued']);
    },
  },
  {
    id: 'CK-08', what: 'the DVA pages may not be framed (frame-ancestors none)', clause: 'RFC 9700 §4.16',
    async run(target) {
      const reply = await target.http(`${target.dva}/authorize?client_id=${encodeURIComponent(target.clientId)}`);
      const csp = header(reply, 'content-security-policy') ?? '';
      return /frame-ancestors 'none'/.test(csp) || /deny/i.test(header(reply, 'x-frame-options') ?? '') ? pass() : fail(`Content-Security-Policy ${csp || 'absent'}`);
    },
  },
];
