import { expectEqual, fail, pass, verdict, type Case, type Verdict } from '../kit.ts';
import { standaloneAuthorizeUrl } from '../journey.ts';
import { header, redirectQuery, type Target } from '../target.ts';

/** The kit client's authorization request with `overrides`, answered by the DVA: the redirect's query, or none. */
async function authorize(target: Target, overrides: Record<string, string | undefined>) {
  const reply = await target.http(standaloneAuthorizeUrl(target, overrides).url);
  return { reply, query: redirectQuery(reply, target.dva) };
}

/** An RFC 6749 §4.1.2.1 error redirect with `error`, no code, and the RFC 9207 `iss`. */
async function refusedWith(target: Target, overrides: Record<string, string | undefined>, error: string): Promise<Verdict> {
  const { reply, query } = await authorize(target, overrides);
  if (!query) return fail(`no redirect (status ${reply.status})`);
  return verdict([expectEqual('error', query.get('error'), error), query.has('code') && 'a code was issued']);
}

/** Group AZ: the authorization endpoint and PAR (docs/conformance.md). */
export const authorizeCases: Case[] = [
  {
    id: 'AZ-01', what: 'an unregistered redirect_uri gets an error page, never a redirect', clause: 'RFC 6749 §4.1.2.1; RFC 9700 §4.1.3',
    async run(target) {
      const results = await Promise.all([`${target.redirectUri}/`, `${target.redirectUri}?x=1`, 'https://evil.example/callback'].map((redirect_uri) => authorize(target, { redirect_uri })));
      return verdict(results.map(({ reply, query }, i) => (query || reply.status < 400 || reply.status >= 500) && `redirect_uri variant ${i}: status ${reply.status}${query ? ' with a redirect' : ''}`));
    },
  },
  { id: 'AZ-02', what: 'an authorization request without PKCE is invalid_request', clause: 'RFC 9700 §2.1.1; RFC 7636 §4.4.1', run: (t) => refusedWith(t, { code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request') },
  { id: 'AZ-03', what: 'PKCE method plain is invalid_request', clause: 'SMART App Launch (S256 only); RFC 9700 §2.1.1', run: (t) => refusedWith(t, { code_challenge_method: 'plain' }, 'invalid_request') },
  {
    id: 'AZ-07', what: 'a request_uri pushed by one client and used by another gets no code', clause: 'RFC 9126 §4',
    async run(target) {
      const { url } = standaloneAuthorizeUrl(target);
      const pushed = await target.post('/par', { ...Object.fromEntries(new URL(url).searchParams), ...(await target.clientAuth()) });
      if (pushed.status !== 201) return fail(`PAR answered ${pushed.status} ${pushed.json?.error}`);
      const reply = await target.http(`${target.dva}/authorize?${new URLSearchParams({ client_id: 'another-client', request_uri: pushed.json.request_uri })}`);
      const query = redirectQuery(reply, target.dva);
      return verdict([query?.has('code') && 'a code was issued', reply.status < 300 && `status ${reply.status}`, query && !query.has('error') && 'a redirect without error']);
    },
  },
  { id: 'IN-09', what: 'an empty code_challenge counts as missing: invalid_request', clause: 'RFC 6749 §3.1; RFC 7636 §4.4.1', run: (t) => refusedWith(t, { code_challenge: '' }, 'invalid_request') },
  {
    id: 'AZ-09', what: 'GET /par is 405 with Allow: POST', clause: 'RFC 9126 §2.3; docs/decisions.md I49',
    async run(target) {
      const reply = await target.http(`${target.dva}/par`);
      return verdict([expectEqual('status', reply.status, 405), expectEqual('Allow', header(reply, 'allow'), 'POST')]);
    },
  },
  {
    id: 'AZ-10', what: 'a pushed authorization request without client authentication is 401 invalid_client', clause: 'RFC 9126 §2; RFC 6749 §5.2',
    async run(target) {
      const { url } = standaloneAuthorizeUrl(target);
      const reply = await target.post('/par', Object.fromEntries(new URL(url).searchParams));
      return verdict([expectEqual('status', reply.status, 401), expectEqual('error', reply.json?.error, 'invalid_client')]);
    },
  },
  { id: 'AZ-12', what: 'response_type=token (a token in the front channel) is unsupported_response_type', clause: 'RFC 9700 §2.1.2', run: (t) => refusedWith(t, { response_type: 'token' }, 'unsupported_response_type') },
  { id: 'AZ-14', what: 'a scope beyond the registration is invalid_scope', clause: 'RFC 6749 §3.3; docs/protocol.md §8 item 15', run: (t) => refusedWith(t, { scope: 'launch/patient openid system/*.read' }, 'invalid_scope') },
  {
    id: 'AZ-16', what: 'an error redirect carries iss, the DVA issuer', clause: 'RFC 9207 §2',
    async run(target) {
      const { query } = await authorize(target, { scope: 'launch/patient openid system/*.read' });
      return expectEqual('iss', query?.get('iss'), target.dva) ? fail(expectEqual('iss', query?.get('iss'), target.dva)!) : pass();
    },
  },
  {
    id: 'AZ-20', what: 'the DVA serves no audit trail (GET /audit) without authentication', clause: 'docs/decisions.md I47; GDPR art. 5(1)(f)',
    async run(target) {
      const reply = await target.http(`${target.dva}/audit`);
      return [401, 403, 404].includes(reply.status) && !/client_id|"type"/.test(reply.text) ? pass() : fail(`status ${reply.status}, body ${reply.text.slice(0, 80)}`);
    },
  },
];
