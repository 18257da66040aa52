import { generateDpopKey, randomToken } from '@koppelmij/core';
import { expectEqual, fail, pass, verdict, type Case } from '../kit.ts';
import { header } from '../target.ts';

const no5xx = (status: number, what: string) => (status >= 500 ? `${what}: status ${status}` : undefined);

/** Group IN: input validation (§3.9), AV: availability (§3.10), ID: the identity check (§3.7). */
export const inputCases: Case[] = [
  {
    id: 'IN-06', what: 'a token request as JSON instead of a form is invalid_request', clause: 'RFC 6749 §3.2',
    async run(target) {
      const reply = await target.http(`${target.dva}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials' }) });
      return verdict([expectEqual('status', reply.status, 400), expectEqual('error', reply.json?.error, 'invalid_request')]);
    },
  },
  {
    id: 'IN-14', what: 'PUT or DELETE on the token and PAR endpoints is 405', clause: 'RFC 9126 §2.3; RFC 9110 §15.5.6',
    async run(target) {
      const replies = await Promise.all(['/token', '/par'].flatMap((path) => ['PUT', 'DELETE'].map(async (method) => [`${method} ${path}`, await target.http(`${target.dva}${path}`, { method })] as const)));
      return verdict(replies.map(([what, reply]) => reply.status !== 405 && `${what}: status ${reply.status}`));
    },
  },
  {
    id: 'IN-11', what: 'a 100 KB state is refused with a 4xx, not a crash', clause: 'FAPI 2.0 §5.3.2.2 note 4; RFC 9110 §15.5.15',
    async run(target) {
      const reply = await target.http(`${target.dva}/authorize?client_id=${encodeURIComponent(target.clientId)}&state=${'s'.repeat(100_000)}`);
      return reply.status >= 400 && reply.status < 500 ? pass() : fail(`status ${reply.status}`);
    },
  },
  {
    id: 'IN-20', what: 'odd interaction ids and DigiD callback parameters are a 4xx, never a 5xx', clause: 'docs/decisions.md I50',
    async run(target) {
      const paths = ['/interaction/%7B%7D', '/interaction/%F0%9F%92%A9/digid?ticket=x', `/interaction/${'x'.repeat(500)}`, '/interaction/abc/consent', '/digid/callback', '/digid/callback?state=x&code=%00', `/digid/callback?state=${'x'.repeat(5000)}`];
      const replies = await Promise.all(paths.map(async (path) => [path, await target.http(`${target.dva}${path}`, { method: path.endsWith('/consent') ? 'POST' : 'GET', ...(path.endsWith('/consent') && { headers: { 'content-type': 'application/json' }, body: '{}' }) })] as const));
      return verdict(replies.map(([path, reply]) => (reply.status < 400 || reply.status >= 500) && `${path}: status ${reply.status}`));
    },
  },
  {
    id: 'AV-02', what: 'a 64 KB Authorization header and a 2 MB PAR body are refused fast, without a 5xx', clause: 'RFC 6585 §5; RFC 9126 §2.3',
    async run(target) {
      const header64k = await target.http(`${target.fhir}/Patient`, { headers: { authorization: `Bearer ${'a'.repeat(64 * 1024)}` } }).catch(() => ({ status: 431 }));
      const par = await target.http(`${target.dva}/par`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `state=${'x'.repeat(2 * 1024 * 1024)}` }).catch(() => ({ status: 413 }));
      return verdict([no5xx(header64k.status, 'header'), header64k.status < 400 && `header: status ${header64k.status}`, no5xx(par.status, 'PAR body'), par.status < 400 && `PAR body: status ${par.status}`]);
    },
  },
  {
    id: 'AV-05', what: 'a burst of authenticated token requests from one client meets 429 with Retry-After', clause: 'RFC 6585 §4; RFC 9126 §2.3',
    exhausts: true,
    async run(target) {
      // only requests the server authenticated count against a client's quota (docs/decisions.md I58): naming a client spends nothing
      const key = await generateDpopKey();
      const burst = target.tokenBurst;
      for (let i = 0; i < burst; i++) {
        const reply = await target.tokenWithDpop({ grant_type: 'authorization_code', code: randomToken(), redirect_uri: target.redirectUri, code_verifier: randomToken() }, key);
        if (reply.status === 429) return header(reply, 'retry-after') ? pass() : fail('429 without Retry-After');
      }
      return fail(`no 429 after ${burst} requests`);
    },
  },
  {
    id: 'ID-14', what: 'the identity check without a token, or by GET, releases nothing', clause: 'docs/identity-check.md; RFC 9700 §4.3',
    async run(target) {
      const post = await target.http(`${target.fhir}/userinfo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ birthDate: '1980-01-01' }) });
      const get = await target.http(`${target.fhir}/userinfo?birthDate=1980-01-01`);
      return verdict([expectEqual('POST without a token: status', post.status, 401), ![401, 404, 405].includes(get.status) && `GET: status ${get.status}`]);
    },
  },
];
