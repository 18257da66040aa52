import Fastify, { type FastifyInstance } from 'fastify';
import { UnsecuredJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { installDemoTrace, numberedMessages, TraceStore } from '../src/demo-trace/index.ts';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A PGO that pushes a request and redirects, and a DVA that answers with a request_uri and a code (W0–W5). */
async function world() {
  const store = new TraceStore();
  const pgo = Fastify();
  const dva = Fastify();
  apps.push(pgo, dva);
  dva.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  const urls = { pgo: '', dvaAuth: '', dvaFhir: 'http://fhir.invalid', module: 'http://module.invalid', digid: 'http://digid.invalid' };
  const subject_token = new UnsecuredJWT({ sub: 'pseudonym', scope: 'launch' }).encode();
  pgo.post('/dossier/1/tasks/t/start', async (_request, reply) => {
    const answer = (await (
      await fetch(`${urls.dvaAuth}/par`, { method: 'POST', body: new URLSearchParams({ subject_token, code_challenge: 'c'.repeat(43), client_id: 'pgo' }) })
    ).json()) as { request_uri: string };
    return reply.redirect(`${urls.dvaAuth}/authorize?client_id=pgo&request_uri=${encodeURIComponent(answer.request_uri)}`, 302);
  });
  pgo.get('/elsewhere', async () => 'not part of a launch');
  dva.post('/par', async (_request, reply) => reply.code(201).send({ request_uri: 'urn:ietf:params:oauth:request_uri:abcdefghijklmnop', expires_in: 60 }));
  dva.get('/authorize', async (_request, reply) => reply.header('set-cookie', 'dva_launch_auth=secret-cookie-value; HttpOnly').redirect(`${urls.pgo}/callback_stepup?code=the-authorization-code-1234&state=s`, 302));
  const startsTrace = (method: string, path: string) => method === 'POST' && path.endsWith('/start');
  installDemoTrace(pgo.server, { service: 'pgo', urls, store, startsTrace });
  installDemoTrace(dva.server, { service: 'dvaAuth', urls, store });
  urls.pgo = await pgo.listen({ port: 0, host: '127.0.0.1' });
  urls.dvaAuth = await dva.listen({ port: 0, host: '127.0.0.1' });
  return { store, urls, subject_token };
}

describe('the demo trace recorder (docs/decisions.md I139, I140)', () => {
  it('follows a launch through the back channel (header) and the front channel (artefacts), and numbers its steps', async () => {
    const { store, urls, subject_token } = await world();
    const start = await fetch(`${urls.pgo}/dossier/1/tasks/t/start`, { method: 'POST', redirect: 'manual', headers: { cookie: 'pgo_sid=browser-session-value' } });
    expect(start.status).toBe(302);
    // the browser follows W3: no trace header, recognised by its request_uri
    await fetch(start.headers.get('location')!, { redirect: 'manual' });
    await fetch(`${urls.pgo}/elsewhere`);

    const trace = store.find('browser', ['browser-session-value']);
    expect(trace).toBeDefined();
    const { exchanges } = store.get(trace!)!;
    expect(exchanges.map((e) => `${e.from}→${e.to} ${e.method} ${e.path}`)).toEqual(['pgo→dvaAuth POST /par', 'browser→pgo POST /dossier/1/tasks/t/start', 'browser→dvaAuth GET /authorize']);
    expect(numberedMessages(exchanges, '3a').map((m) => m.step)).toEqual(['W0', 'W1', 'W2', 'W3', 'W4', 'W5']);

    const par = exchanges[0]!;
    expect(par.body).toEqual({ subject_token: { jwt: { header: { alg: 'none' }, claims: { sub: 'pseudonym', scope: 'launch' } } }, code_challenge: 'cccc…cccc', client_id: 'pgo' });
    const text = JSON.stringify(exchanges);
    expect(text).not.toContain(subject_token);
    expect(text).not.toContain('abcdefghijklmnop');
    expect(text).not.toContain('the-authorization-code-1234');
    expect(text).not.toContain('secret-cookie-value');
    expect(text).not.toContain('browser-session-value');
    expect(exchanges[2]!.responseHeaders['set-cookie']).toEqual(['dva_launch_auth=(not shown)']);
  });

  it('records nothing outside a launch', async () => {
    const { store, urls } = await world();
    await fetch(`${urls.pgo}/elsewhere`, { headers: { cookie: 'pgo_sid=x-browser-value' } });
    expect(store.find('browser', ['x-browser-value'])).toBeUndefined();
  });
});
