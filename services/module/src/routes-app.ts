import type { FastifyInstance } from 'fastify';
import { ModuleError } from './errors.ts';
import { FhirRequestError } from './fhir-client.ts';
import {
  bloodPressureForm,
  bloodPressureObservation,
  patientSchema,
  questionnaireForm,
  questionnaireResponse,
  taskCompletionPatch,
  taskSchema,
  taskStatusPatch,
} from './fhir-resources.ts';
import type { ModuleRuntime } from './runtime.ts';
import { appPage, donePage } from './views.ts';

type ClientParams = { Params: { client_id: string } };

/** Task statuses the module moves to `in-progress` when the person opens it (docs/protocol.md §4.8 lifecycle). */
const NOT_STARTED = new Set(['requested', 'received', 'accepted']);

/** The module itself (W18) and terugkeer (docs/protocol.md §4.6). */
export function appRoutes(app: FastifyInstance, runtime: ModuleRuntime): void {
  app.get<ClientParams>('/m/:client_id/app', async (request, reply) => {
    const registration = runtime.registration(request.params.client_id);
    const { csrf, context } = await runtime.active(request, registration);
    const fhir = await runtime.fhir(context);
    if (context.task === undefined) {
      // level S (docs/protocol.md §5): a standalone launch has the patient and no Task
      const patient = await fhir.read('Patient', context.patient, patientSchema).catch(fhirFailure);
      if (patient.id !== context.patient) throw new ModuleError(502, 'De FHIR-server antwoordde met andere gegevens dan gevraagd.');
      return reply.type('text/html; charset=utf-8').send(appPage({ registration, patient, csrf, representation: context.representation === true, launch: context.launch, pgoUrl: runtime.config.placeholders.PGO_URL }));
    }
    const [patient, task] = await Promise.all([
      fhir.read('Patient', context.patient, patientSchema),
      fhir.read('Task', context.task, taskSchema),
    ]).catch(fhirFailure);
    // the resource server must answer for the resources asked, nothing else
    if (patient.id !== context.patient || task.id !== context.task) throw new ModuleError(502, 'De FHIR-server antwoordde met andere gegevens dan gevraagd.');

    // Optional (docs/protocol.md §4.8): opening the module starts the Task. The DVA's transition table may
    // refuse the step (422); that is its business rule, so the module goes on without it.
    if (NOT_STARTED.has(task.status)) {
      try {
        await fhir.patch('Task', task.id, taskStatusPatch('in-progress'));
        task.status = 'in-progress';
      } catch (error) {
        if (!(error instanceof FhirRequestError && error.status === 422)) fhirFailure(error);
        request.log.info({ client_id: registration.clientId }, 'Task start refused by the FHIR server (422)');
      }
    }
    return reply.type('text/html; charset=utf-8').send(appPage({ registration, patient, task, csrf, representation: context.representation === true, launch: context.launch, pgoUrl: runtime.config.placeholders.PGO_URL }));
  });

  app.post<ClientParams>('/m/:client_id/submit', async (request, reply) => {
    const registration = runtime.registration(request.params.client_id);
    const { sid, context } = await runtime.active(request, registration);
    const body = (request.body ?? {}) as Record<string, unknown>;
    // OWASP CSRF: the per-session synchroniser token (SameSite=Lax alone leaves top-level POSTs from same-site pages)
    if (!(await runtime.sessions.checkCsrf(sid, body))) {
      throw new ModuleError(403, 'Het formulier is verlopen. Open de module opnieuw.');
    }
    const back = `/m/${registration.clientId}/app`;
    const now = new Date(runtime.clock() * 1000);
    let resource: { resourceType: string };
    if (registration.result === 'observation') {
      const values = bloodPressureForm.safeParse(body);
      if (!values.success) throw new ModuleError(400, 'Vul hele getallen in: bovendruk 60–260, onderdruk 30–160 mmHg, de bovendruk hoger dan de onderdruk.', { back });
      resource = bloodPressureObservation(context.patient, values.data, now);
    } else {
      const values = questionnaireForm.safeParse(body);
      if (!values.success) throw new ModuleError(400, 'Kies een score van 1 tot 5; een opmerking heeft hoogstens 500 tekens.', { back });
      resource = questionnaireResponse(context.patient, values.data, now);
    }

    const fhir = await runtime.fhir(context);
    const id = await fhir.create(resource).catch(fhirFailure);
    // terugkeer step 1 (docs/protocol.md §4.6): the Task is completed, with the result as output, before the redirect
    const outputType = registration.result === 'observation' ? 'observation' : 'questionnaire-response';
    if (context.task !== undefined) await fhir.patch('Task', context.task, taskCompletionPatch(`${resource.resourceType}/${id}`, outputType)).catch(fhirFailure);
    // terugkeer step 2: revoke the tokens (RFC 7009), and forget them
    await runtime.revokeAll(registration, context, request.log);
    await runtime.sessions.update(sid, registration.clientId, undefined);
    // terugkeer step 3: back to the return_url of the token response, never one from the request (docs/protocol.md §8 item 33)
    if (context.returnUrl !== undefined) return reply.redirect(context.returnUrl, 303);
    return reply.type('text/html; charset=utf-8').send(donePage(registration));
  });
}

// Any FHIR failure ends the request with an error page and no redirect; the HTTP status is shown as the code.
function fhirFailure(error: unknown): never {
  const status = error instanceof FhirRequestError && error.status > 0 ? String(error.status) : undefined;
  throw new ModuleError(502, 'De FHIR-server van uw zorgaanbieder kon het verzoek niet afmaken.', {
    ...(status !== undefined && { code: status }),
    cause: error,
  });
}
