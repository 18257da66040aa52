import { patientIdFromTokenResponse, taskFromTokenResponse } from '@koppelmij/core/smart';
import type { TokenResponse } from './smart-client.ts';

/** The launch context the module needs from a token response (docs/protocol.md §4.3, §4.5). */
export interface TokenContext {
  /** The patient's logical id. */
  patient: string;
  /** The Task's logical id. */
  task: string;
  /** RFC 9449 §5 / RFC 6750: how the access token is presented. */
  tokenType: 'DPoP' | 'Bearer';
  returnUrl?: string;
  /** A representative chose the patient (the token response's `act`, docs/identity-check-reference.md): the module says "on behalf of". */
  representation?: true;
}

/** The token response lacks or garbles the launch context; the launch fails (docs/protocol.md §8 item 30). */
export class IncompleteLaunchContext extends Error {
  constructor(missing: string) {
    super(`token response: ${missing}`);
    this.name = 'IncompleteLaunchContext';
  }
}

/**
 * Reads the launch context of a module token response, accepting every delivery the DVA may use
 * (docs/protocol.md §4.3, docs/decisions-protocol.md D10, D11): the Task and the patient are required, `return_url` is optional.
 *
 * @throws IncompleteLaunchContext
 */
export function readTokenContext(tokens: TokenResponse, iss: string): TokenContext {
  // RFC 6749 §5.1: token_type is case-insensitive. RFC 9449 §5: `DPoP` means bound to the proof's key.
  const type = tokens.token_type.toLowerCase();
  if (type !== 'dpop' && type !== 'bearer') throw new IncompleteLaunchContext('unsupported token_type');
  const task = taskFromTokenResponse(tokens, { fhirBase: iss });
  if (task === undefined) throw new IncompleteLaunchContext('no single Task reference');
  const patient = patientIdFromTokenResponse(tokens, { fhirBase: iss });
  if (patient === undefined) throw new IncompleteLaunchContext('no single patient');
  const returnUrl = returnUrlFromTokenResponse(tokens, iss);
  return {
    patient,
    task: task.slice('Task/'.length),
    tokenType: type === 'dpop' ? 'DPoP' : 'Bearer',
    ...(returnUrl !== undefined && { returnUrl }),
    ...(hasActor(tokens.act) && { representation: true as const }),
  };
}

/** RFC 8693 §4.1 shape: an object naming the actor's `sub`. */
export function hasActor(act: unknown): boolean {
  return typeof act === 'object' && act !== null && typeof (act as { sub?: unknown }).sub === 'string';
}

/**
 * `return_url` from the top level or from the `fhir_context` entry of `authorization_details`
 * for this FHIR base (docs/protocol.md §4.5: "delivery … is open"). Only ever from the token response,
 * never from the browser (docs/protocol.md §8 item 33). Two different values fail closed.
 *
 * @throws IncompleteLaunchContext for a malformed or ambiguous value.
 */
export function returnUrlFromTokenResponse(tokens: TokenResponse, iss: string): string | undefined {
  const found = new Set<unknown>();
  if (tokens.return_url !== undefined) found.add(tokens.return_url);
  const details = Array.isArray(tokens.authorization_details) ? (tokens.authorization_details as unknown[]) : [];
  for (const detail of details) {
    if (typeof detail !== 'object' || detail === null) continue;
    const { type, locations, return_url } = detail as Record<string, unknown>;
    if (type === 'fhir_context' && Array.isArray(locations) && locations.includes(iss) && return_url !== undefined) found.add(return_url);
  }
  if (found.size === 0) return undefined;
  const [value] = found;
  if (found.size > 1 || typeof value !== 'string' || !isHttpUrl(value)) throw new IncompleteLaunchContext('unusable return_url');
  return value;
}

// An absolute http(s) URL: never `javascript:` or another scheme a redirect could abuse.
function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
