import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolveFromRoot } from '@koppelmij/service-kit';

const BSN_SYSTEM = 'http://fhir.nl/fhir/NamingSystem/bsn';

/** What the DVA knows of a person it holds records for. */
export interface PatientRecord {
  /** FHIR id of the Patient at dva-fhir. */
  patientId: string;
  bsn: string;
  name: string;
  /** The DVA's stable pseudonym: never the BSN (docs/protocol.md §3.1.3 "id_token claims", §4.4). */
  sub: string;
  /** The official name's family name (with its prefix) and given names, and the birth date: safeguard 4.2.4 (docs/identity-check-reference.md). */
  family?: string;
  given?: string[];
  birthDate?: string;
}

interface FhirPatient {
  resourceType: 'Patient';
  id: string;
  identifier?: Array<{ system?: string; value?: string }>;
  name?: Array<{ use?: string; text?: string; family?: string; given?: string[] }>;
  birthDate?: string;
}

/**
 * The DVA's patient index: BSN ↔ Patient id ↔ pseudonymous `sub`. Both halves of the DVA
 * (this authorization server and dva-fhir) are seeded from the same FHIR bundle; a real
 * DVA would ask its own record system (docs/protocol.md §1.5 [impl]: "the DVA maps the BSN to
 * Patient/{id} and to a stable pseudonymous sub").
 */
export class PatientIndex {
  readonly #byBsn = new Map<string, PatientRecord>();
  readonly #bySub = new Map<string, PatientRecord>();

  constructor(patients: FhirPatient[], pseudonymSecret: string) {
    for (const p of patients) {
      const bsn = p.identifier?.find((i) => i.system === BSN_SYSTEM)?.value;
      if (!bsn) continue;
      const n = p.name?.[0];
      const official = p.name?.find((name) => name.use === 'official') ?? n;
      const record: PatientRecord = {
        patientId: p.id,
        bsn,
        name: n?.text ?? [...(n?.given ?? []), n?.family].filter(Boolean).join(' '),
        sub: pseudonym(pseudonymSecret, bsn),
        ...(official?.family !== undefined && { family: official.family }),
        ...(official?.given?.length && { given: official.given }),
        ...(p.birthDate !== undefined && { birthDate: p.birthDate }),
      };
      this.#byBsn.set(bsn, record);
      this.#bySub.set(record.sub, record);
    }
  }

  static fromBundle(path: string, pseudonymSecret: string): PatientIndex {
    const bundle = JSON.parse(readFileSync(resolveFromRoot(path), 'utf8')) as { entry?: Array<{ resource?: { resourceType?: string } }> };
    const patients = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is FhirPatient => r?.resourceType === 'Patient');
    return new PatientIndex(patients, pseudonymSecret);
  }

  byBsn(bsn: string): PatientRecord | undefined {
    return this.#byBsn.get(bsn);
  }

  bySub(sub: string): PatientRecord | undefined {
    return this.#bySub.get(sub);
  }
}

/** HMAC-SHA256(secret, "bsn:" + BSN), base64url: stable per person, unlinkable without the secret. */
export function pseudonym(secret: string, bsn: string): string {
  return createHmac('sha256', secret).update(`bsn:${bsn}`).digest('base64url');
}
