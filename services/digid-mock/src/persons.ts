/**
 * The mock DigiD's test persons and their mandates (machtigingen). The claims these become in
 * the id_token are described in ../README.md ("Claim contract").
 *
 * Every BSN is a synthetic test number in the 9999… range that passes the elfproef
 * (test/persons.test.ts checks each one). The names, birth dates and genders of the IG demo
 * patients follow the IG's example data (docs/protocol.md §6.3, §6.4), so that the DVA's
 * FHIR records and the DigiD login describe the same people.
 */

/** A mandate: `from` (the represented person, by BSN) lets the holder act on their behalf. */
export interface Mandate {
  /**
   * DigiD's opaque, stable identifier of "the holder acting for `from`": the `sub` of an
   * id_token issued under this mandate (OIDC Core §2). Never derived from a BSN.
   */
  readonly id: string;
  readonly from: string;
}

export interface TestPerson {
  /** DigiD's opaque, stable identifier of this person acting for themselves (OIDC Core §2 `sub`). */
  readonly id: string;
  /** Burgerservicenummer: nine digits, elfproef-valid. */
  readonly bsn: string;
  /** Official given names, in order (OIDC `given_name` joins them with spaces). */
  readonly givenNames: readonly string[];
  /** The name the person goes by (roepnaam), used in `name`. */
  readonly callName: string;
  readonly initials: string;
  /** Family name including its Dutch prefix (voorvoegsel), as in FHIR `HumanName.family`. */
  readonly familyName: string;
  /** ISO 8601 `YYYY-MM-DD` (OIDC `birthdate`). */
  readonly birthDate: string;
  readonly gender: 'female' | 'male';
  /** Persons who mandated this person to act for them. */
  readonly mandates: readonly Mandate[];
}

export const TEST_PERSONS: readonly TestPerson[] = [
  {
    // IG scenario 1 (glucose): Patient pat-van-duinen, official given name Erik, called Tom.
    id: '3d879307-f5f0-4280-afa2-4fbe5a9021c2',
    bsn: '999990020',
    givenNames: ['Erik'],
    callName: 'Tom',
    initials: 'E.',
    familyName: 'van Duinen',
    birthDate: '1961-08-02',
    gender: 'male',
    mandates: [],
  },
  {
    // IG scenario 2 (blood pressure).
    id: '675b7d40-806d-41da-ac58-9891d1307f26',
    bsn: '999990032',
    givenNames: ['Jacobus', 'Hendrik'],
    callName: 'Koos',
    initials: 'J.H.',
    familyName: 'de Groot',
    birthDate: '1952-11-23',
    gender: 'male',
    mandates: [],
  },
  {
    // IG scenario 3 (saturation/COPD). Represented by Anna van der Berg.
    id: '72c4b11a-1e61-468a-92c5-ca34f48c2420',
    bsn: '999990044',
    givenNames: ['Sanne'],
    callName: 'Sanne',
    initials: 'S.',
    familyName: 'van Dijk',
    birthDate: '1979-05-14',
    gender: 'female',
    mandates: [],
  },
  {
    // The representative (docs/identity-check-reference.md's example person): two persons mandated her.
    id: '6cd3e683-aeac-48b8-96ad-dcd983126ef8',
    bsn: '999990019',
    givenNames: ['Anna'],
    callName: 'Anna',
    initials: 'A.',
    familyName: 'van der Berg',
    birthDate: '1984-03-07',
    gender: 'female',
    mandates: [
      { id: 'bc8fb8ac-79b3-4e01-bbcd-71d178d9f878', from: '999990044' }, // Sanne van Dijk
      { id: '7c814321-159a-447e-a70d-07f42473a65c', from: '999990056' }, // Pieter ter Horst
    ],
  },
  {
    // Represented by Anna van der Berg. Pieter has NO account at the PGO (docs/identity-check-reference.md,
    // "Representation in the flows"): the PGO cannot open a dossier of his own.
    id: 'f24c8564-9922-4d68-b0e8-d523ca592705',
    bsn: '999990056',
    givenNames: ['Pieter', 'Willem'],
    callName: 'Pieter',
    initials: 'P.W.',
    familyName: 'ter Horst',
    birthDate: '1938-01-19',
    gender: 'male',
    mandates: [],
  },
  {
    // A namesake of Sanne van Dijk (999990044) with another birth date and BSN: logging in as
    // her while Sanne's dossier is open must give an identity-check `mismatch`.
    id: 'f708aaf6-571b-42a1-91d3-2c69924a5e34',
    bsn: '999990068',
    givenNames: ['Sanne'],
    callName: 'Sanne',
    initials: 'S.',
    familyName: 'van Dijk',
    birthDate: '1992-10-03',
    gender: 'female',
    mandates: [],
  },
  {
    // The DVA's record of this person (Patient pat-bakker) has no birth date and no given name:
    // without a BSN from the PGO, the identity check answers `insufficient-data` (docs/identity-check-reference.md §5.1).
    id: 'a50cc41b-3e2a-41c6-9fb7-c2c507fd130f',
    bsn: '999990081',
    givenNames: ['Johannes'],
    callName: 'Jan',
    initials: 'J.',
    familyName: 'Bakker',
    birthDate: '1948-06-12',
    gender: 'male',
    mandates: [],
  },
];

/** The test person with this BSN, if any. */
export function personByBsn(bsn: string): TestPerson | undefined {
  return TEST_PERSONS.find((p) => p.bsn === bsn);
}

/** The persons who mandated `holder`, in the order of the mandates. */
export function mandatorsOf(holder: TestPerson): TestPerson[] {
  return holder.mandates.map((m) => personByBsn(m.from)).filter((p) => p !== undefined);
}

/** The person's display name: call name and family name ("Tom van Duinen"). */
export function displayName(person: TestPerson): string {
  return `${person.callName} ${person.familyName}`;
}
