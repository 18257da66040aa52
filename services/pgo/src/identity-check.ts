/**
 * The PGO's side of the DVA's identity-check endpoint (docs/identity-check-reference.md "Contract", safeguard
 * 4.4): before its first data request the PGO describes the person whose dossier is open and
 * asks whether that is the token's patient, and which data the DVA holds (availability).
 */
import type { PersonData } from '@koppelmij/core/identity';
import { z } from 'zod';
import type { IdentityConfig } from './config.ts';
import type { DossierRef } from './session.ts';

// docs/identity-check-reference.md "Contract": the 200 answer. Unknown members are ignored.
const Answer = z.object({
  identity: z.enum(['match', 'mismatch', 'insufficient-data']).optional(),
  availability: z.record(z.string(), z.boolean()).optional(),
  attemptsLeft: z.number().int().min(0).optional(),
});
export type IdentityAnswer = z.infer<typeof Answer>;

/** The answer, or `unavailable` when the DVA gave none (unreachable, refused, unusable). */
export type IdentityCheckOutcome = IdentityAnswer | 'unavailable';

export interface IdentityCheckRequest {
  /** The DVA FHIR base; the endpoint is `{base}/{path}`. */
  fhirBase: string;
  accessToken: string;
  person: PersonData;
  fetch: typeof fetch;
  path: string;
}

/**
 * `POST {base}/userinfo` with the collect token (RFC 6750 §2.1) and
 * `{ person, checks: ["identity", "availability"] }`. Never throws: a failure is `unavailable`,
 * which the caller treats per `PGO_IDENTITY_REQUIRED`.
 */
export async function checkIdentity(request: IdentityCheckRequest): Promise<IdentityCheckOutcome> {
  try {
    const response = await request.fetch(`${request.fhirBase}/${request.path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${request.accessToken}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ person: request.person, checks: ['identity', 'availability'] }),
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 200) return 'unavailable';
    const parsed = Answer.safeParse(await response.json());
    return parsed.success && parsed.data.identity !== undefined ? parsed.data : 'unavailable';
  } catch {
    return 'unavailable';
  }
}

/**
 * The dossier's person as the PGO sends it: what it knows (the dossier's recorded data, else its
 * BSN), limited to the fields `PGO_IDENTITY_FIELDS` allows (data minimisation).
 */
export function dossierPerson(dossier: DossierRef, config: Pick<IdentityConfig, 'fields'>): PersonData {
  const known: PersonData = dossier.person ?? { bsn: dossier.bsn };
  const person: PersonData = {};
  for (const field of config.fields) {
    const value = known[field];
    if (value !== undefined) Object.assign(person, { [field]: value });
  }
  return person;
}
