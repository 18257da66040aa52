import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidTarget, randomToken, sha256b64url, tupleKey, type Actor, type FhirResourceTarget } from '@koppelmij/core';
import { readSsoCookie, setSsoCookie } from '../collect/collect-cookies.ts';
import type { DvaAuth } from '../context.ts';
import type { DigidClient } from '../collect/digid.ts';
import { FhirAccess } from '../fhir-access.ts';
import { takeDigidTicket } from '../collect/interaction-steps.ts';
import { setLaunchAuthCookie } from './launch-auth-cookie.ts';
import { LaunchContextVerifier, LaunchModuleRefused, type LaunchModuleRequest } from './launch-module-context.ts';
import { errorPage } from '../views.ts';

/*
 * Option 3b (archived; docs/protocol.md §3.5): the DVA-initiated launch (docs/option-3b.md).
 * Step 4: the PGO sends the browser to `/launch-module?module&context` (GET, or a form POST).
 * Step 5: the DVA checks its SSO session from the collect, else DigiD and a new session; the
 *   context must be signed by a registered PGO, and its Task must be the session patient's and
 *   point at the module (docs/protocol.md §8 item 8, §4.2 [impl]).
 * Step 6: a launch code of its own (3a's `LaunchCodes`), bound to the module and to this browser
 *   by 3a's Module DVA Authentication cookie, so the module's /authorize is 3a's W13.
 * Step 7: 302 to the module's registered launch URL with `iss` = the DVA FHIR base and `launch`.
 * Every launch, issued or refused, is an audit event (who, which module, which Task, outcome).
 */

/** Binds a DigiD round trip of `/launch-module` to the browser that started it (login CSRF). */
const PENDING_COOKIE = 'dva_launch_module';
const PENDING_TTL = 600;
const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

// A repeated parameter arrives as an array and fails `z.string()` (RFC 6749 §3.1 spirit: one value each).
const launchParams = z.object({ module: z.string().regex(CLIENT_ID), context: z.string().min(1).max(4096) });

/** `GET` and `POST /launch-module` (steps 4–7) and `GET /launch-module/digid` (step 5's DigiD return). */
export function registerLaunchModule(app: FastifyInstance, dva: () => DvaAuth, digid: DigidClient): void {
  const contexts = new LaunchContextVerifier(dva);
  const fhir = new FhirAccess(dva);

  /**
   * Step 4 as a form POST. From the PGO's page this is a cross-site POST, on which the browser
   * sends no `SameSite=Lax` cookie, so the DVA cannot see its session here: it answers with a
   * 303 to the same request as a GET, a top-level navigation that carries the cookie.
   */
  // cross-site by design (decision I24): it changes nothing, the GET it redirects to is the launch
  app.post('/launch-module', { config: { acceptsCrossOrigin: true } }, async (request, reply) => {
    const params = launchParams.safeParse(request.body);
    if (!params.success) return refused(request, reply, new LaunchModuleRefused('malformed request'));
    return reply.header('cache-control', 'no-store').redirect(`/launch-module?${new URLSearchParams(params.data)}`, 303);
  });

  app.get('/launch-module', async (request, reply) => {
    const params = launchParams.safeParse(request.query);
    if (!params.success) return refused(request, reply, new LaunchModuleRefused('malformed request'));
    let launch: LaunchModuleRequest;
    try {
      const registration = dva().module(params.data.module);
      // the module is in the DVA's registry, for this option (registrations are configuration)
      if (registration?.launch_option !== '3b') throw new LaunchModuleRefused('module is not registered for option 3b');
      launch = await contexts.verify(params.data.module, params.data.context);
    } catch (error) {
      return refused(request, reply, error, { audience: params.data.module });
    }
    const session = await readSsoCookie(dva(), request);
    if (session) return complete(request, reply, launch, session.sub, session.act);

    // step 5: no valid session, so DigiD, in this browser only
    const pending = randomToken();
    const id = sha256b64url(pending);
    await dva().store.set(tupleKey('launch-module', id), launch, PENDING_TTL);
    reply.setCookie(PENDING_COOKIE, pending, { path: '/launch-module', httpOnly: true, sameSite: 'lax', secure: secure(dva()), maxAge: PENDING_TTL });
    return reply.redirect(await digid.authorizationUrl(id, { prompt: 'login', returnPath: '/launch-module/digid' }), 303);
  });

  app.get('/launch-module/digid', async (request, reply) => {
    const query = z.object({ ticket: z.string().min(1).max(128) }).safeParse(request.query);
    if (!query.success) return refused(request, reply, new LaunchModuleRefused('malformed request'));
    const { ticket } = query.data;
    const pending = request.cookies[PENDING_COOKIE];
    reply.clearCookie(PENDING_COOKIE, { path: '/launch-module' });
    const id = pending && COOKIE_VALUE.test(pending) ? sha256b64url(pending) : undefined;
    const found = id === undefined ? undefined : await takeDigidTicket(dva(), ticket, id);
    const launch = found && (await dva().store.take<LaunchModuleRequest>(tupleKey('launch-module', id!)));
    if (!launch) return refused(request, reply, new LaunchModuleRefused('DigiD login not started in this browser, or expired'));
    if (!found?.sub) return refused(request, reply, new LaunchModuleRefused('no records for the person who logged in'), launchAudit(launch));
    // step 5: "DigiD re-authentication and a new session"
    await setSsoCookie(dva(), reply, found.sub, undefined, found.act);
    return complete(request, reply, launch, found.sub, found.act);
  });

  /**
   * Steps 5 (the user may use the module) to 7. `act`: the representative of the session's DigiD
   * login, kept in the launch so the module's tokens carry the patient/actor split (decision I39).
   */
  async function complete(request: FastifyRequest, reply: FastifyReply, launch: LaunchModuleRequest, sub: string, act: Actor | undefined): Promise<FastifyReply> {
    const { config, launchCodes, audit } = dva();
    const patient = dva().patients.bySub(sub);
    try {
      // the PGO's person must be the session's person (a shared browser may hold another's session)
      if (patient?.patientId !== launch.patient) throw new LaunchModuleRefused('session person differs from the context patient');
      const target: FhirResourceTarget = { resourceType: 'Task', id: launch.task.slice('Task/'.length), reference: launch.task };
      // docs/protocol.md §8 item 8, §4.2 [impl]: the session patient's own Task, pointing at this module
      await fhir.assertLaunchable(patient.patientId, [target], launch.module).catch((error: unknown) => {
        throw error instanceof InvalidTarget ? new LaunchModuleRefused('Task is not the patient\u2019s or not for this module') : error;
      });
    } catch (error) {
      return refused(request, reply, error, { ...launchAudit(launch), sub });
    }
    const correlation = await setLaunchAuthCookie(dva(), request, reply, { sub, audience: launch.module });
    const { code } = await launchCodes.issue(
      { sub, patient: launch.patient, audience: launch.module, pgo_client_id: launch.pgo, resources: [launch.task], return_url: launch.return_url, correlation, ...(act && { act }) },
      { client_id: launch.module },
    );
    await audit.record({ type: 'launch-module.issued', ...launchAudit(launch), sub, outcome: 'success' });
    // step 7 (iss: the DVA FHIR base, docs/protocol.md §3.6; the [CONFLICT] "iss={DVA_URL}" is not followed)
    const url = new URL(dva().module(launch.module)!.launch_url);
    url.searchParams.set('iss', config.DVA_FHIR_URL);
    url.searchParams.set('launch', code);
    return reply.header('cache-control', 'no-store').redirect(url.href, 302);
  }

  async function refused(request: FastifyRequest, reply: FastifyReply, error: unknown, who: { client_id?: string; audience?: string; resources?: string[]; sub?: string } = {}): Promise<FastifyReply> {
    if (!(error instanceof LaunchModuleRefused)) throw error;
    await dva().audit.record({ type: 'launch-module.refused', ...who, outcome: 'failure', reason: error.reason });
    request.log.info({ reason: error.reason }, 'launch-module refused');
    return reply.code(400).header('cache-control', 'no-store').type('text/html').send(errorPage('De module kan niet worden gestart', `${error.message}; begin opnieuw vanuit uw PGO`));
  }
}

const launchAudit = (launch: LaunchModuleRequest) => ({ client_id: launch.pgo, audience: launch.module, resources: [launch.task] });
const secure = (dva: DvaAuth) => dva.config.DVA_AUTH_URL.startsWith('https:');
