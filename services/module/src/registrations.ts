/**
 * This service's view of the `modules` of the registrations file (docs/architecture.md
 * "Registrations are data"): each entry parsed with `@koppelmij/service-kit`'s schema, then
 * checked against the routes this service serves.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { scopesAllow } from '@koppelmij/core/smart';
import { fillPlaceholders, moduleRegistrationSchema } from '@koppelmij/service-kit';

/** What the module records when the person finishes: a measurement or a questionnaire answer. */
export type ResultKind = 'observation' | 'questionnaire-response';

/** How this identity authenticates at the token and revocation endpoints (RFC 6749 §2.3, RFC 7523 §2.2). */
export type ClientAuthentication =
  | { method: 'private_key_jwt' }
  | { method: 'client_secret_basic'; clientSecret: string };

/** One module client identity, as registered at the DVA (deploy/demo/registrations.json `modules`). */
export interface ModuleRegistration {
  clientId: string;
  clientName: string;
  launchOption?: string;
  /** Integration level S (docs/protocol.md §5): launched standalone, without a launch or a Task. */
  standalone: boolean;
  /** Integration level PS (docs/protocol.md §5): launched by the PGO, its token response carries the patient and no Task. */
  pgoDomain: boolean;
  /** The one registered redirect URI this service answers on: `{MODULE_URL}/m/<client_id>/callback`. */
  redirectUri: string;
  /** The scope agreed bilaterally with the DVA (docs/protocol.md §3.1.1 W12, §4.8 [impl]); requested as is. */
  scope: string;
  auth: ClientAuthentication;
  result: ResultKind;
}

// The client_id is a path segment of every route (`/m/:client_id/…`); the shared schema allows
// only unreserved characters (RFC 3986 §2.3).
const file = z.object({ modules: z.array(moduleRegistrationSchema).min(1) });

/**
 * Reads the `modules` part of the registrations file, with `{{NAME}}` placeholders filled from
 * `placeholders`: the modules whose `launch_url` lies below `publicUrl` are this service's, and
 * each must match the routes it serves; the others are ignored.
 *
 * @throws Error naming the offending entry (fail fast at start-up).
 */
export function loadRegistrations(path: string, placeholders: Readonly<Record<string, string>>, publicUrl: string): ModuleRegistration[] {
  return parseRegistrations(JSON.parse(readFileSync(path, 'utf8')), placeholders, publicUrl);
}

/** {@link loadRegistrations} for an already parsed document. */
export function parseRegistrations(document: unknown, placeholders: Readonly<Record<string, string>>, publicUrl: string): ModuleRegistration[] {
  // The placeholders are filled in the JSON text, as in the file (service-kit fillPlaceholders).
  const parsed = file.safeParse(JSON.parse(fillPlaceholders(JSON.stringify(document), placeholders)));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`registrations: invalid modules entry\n${lines.join('\n')}`);
  }
  const seen = new Set<string>();
  for (const m of parsed.data.modules) {
    if (seen.has(m.client_id)) throw new Error(`registrations: client_id ${m.client_id} appears twice`);
    seen.add(m.client_id);
  }
  // docs/decisions.md I105: another vendor's module (its launch_url elsewhere) is not this service's concern
  const hosted = parsed.data.modules.filter((m) => isBelow(m.launch_url, publicUrl)).map((m) => toRegistration(m, publicUrl));
  if (hosted.length === 0) throw new Error(`registrations: no module has its launch_url below ${publicUrl}`);
  return hosted;
}

/** Whether `url` lies below this service's public URL (same origin, path under its path). */
function isBelow(url: string, publicUrl: string): boolean {
  const target = new URL(url);
  const base = new URL(`${publicUrl}/`);
  return target.origin === base.origin && target.pathname.startsWith(base.pathname);
}

function toRegistration(m: z.infer<typeof moduleRegistrationSchema>, publicUrl: string): ModuleRegistration {
  const fail = (problem: string) => new Error(`registrations: ${m.client_id} ${problem}`);
  const base = `${publicUrl}/m/${m.client_id}`;
  if (m.launch_url !== `${base}/launch`) throw fail(`launch_url must be ${base}/launch`);
  // RFC 6749 §3.1.2: the redirect_uri sent must be one registered; this service answers on one path.
  const redirectUri = m.redirect_uris.find((u) => u === `${base}/callback`);
  if (redirectUri === undefined) throw fail(`redirect_uris must include ${base}/callback`);

  let auth: ClientAuthentication;
  if (m.token_endpoint_auth_method === 'private_key_jwt') {
    // The DVA fetches this service's keys from the registered jwks_uri (RFC 7591 §2).
    if (m.jwks_uri !== `${publicUrl}/jwks`) throw fail(`jwks_uri must be ${publicUrl}/jwks`);
    auth = { method: 'private_key_jwt' };
  } else if (m.token_endpoint_auth_method === 'client_secret_basic') {
    // the schema requires a client_secret of at least 32 characters
    auth = { method: 'client_secret_basic', clientSecret: m.client_secret };
  } else {
    throw fail('token_endpoint_auth_method must be private_key_jwt or client_secret_basic');
  }

  return {
    clientId: m.client_id,
    clientName: m.client_name,
    ...(m.launch_option !== undefined && { launchOption: m.launch_option }),
    standalone: m.integration_level === 'S',
    pgoDomain: m.integration_level === 'PS',
    redirectUri,
    scope: m.scope,
    auth,
    result: resultKind(m.scope, fail),
  };
}

// The blood-pressure Observation when the scope may create one, else the questionnaire answer.
function resultKind(scope: string, fail: (problem: string) => Error): ResultKind {
  if (scopesAllow(scope, { interaction: 'create', resourceType: 'Observation' })) return 'observation';
  if (scopesAllow(scope, { interaction: 'create', resourceType: 'QuestionnaireResponse' })) return 'questionnaire-response';
  throw fail('scope allows creating neither an Observation nor a QuestionnaireResponse');
}
