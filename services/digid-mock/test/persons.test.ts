import { describe, expect, it } from 'vitest';
import { accountIdFor, claimsOf, principalOf, TEST_PERSONS, personByBsn } from '../src/index.ts';

/** The elfproef, written out here rather than imported, so the data is checked independently. */
function elfproef(bsn: string): boolean {
  const digits = [...bsn].map(Number);
  const sum = digits.slice(0, 8).reduce((acc, d, i) => acc + (9 - i) * d, 0) - digits[8]!;
  return sum % 11 === 0;
}

describe('test persons', () => {
  it.each(TEST_PERSONS.map((p) => [p.bsn, `${p.callName} ${p.familyName}`]))('%s (%s) is a nine-digit, elfproef-valid BSN', (bsn) => {
    expect(bsn).toMatch(/^[0-9]{9}$/);
    expect(elfproef(bsn)).toBe(true);
  });

  it('the elfproef helper rejects a BSN with one digit changed', () => {
    expect(elfproef('999990019')).toBe(true);
    expect(elfproef('999990018')).toBe(false);
  });

  it('has unique BSNs and unique opaque ids (persons and mandates alike)', () => {
    const ids = TEST_PERSONS.flatMap((p) => [p.id, ...p.mandates.map((m) => m.id)]);
    expect(new Set(TEST_PERSONS.map((p) => p.bsn)).size).toBe(TEST_PERSONS.length);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(TEST_PERSONS.some((p) => id.includes(p.bsn))).toBe(false);
  });

  it('has mandates only from other existing persons', () => {
    for (const holder of TEST_PERSONS) {
      for (const mandate of holder.mandates) {
        expect(personByBsn(mandate.from)).toBeDefined();
        expect(mandate.from).not.toBe(holder.bsn);
      }
    }
  });

  it('includes the IG demo patients and a representative with two mandates', () => {
    expect(personByBsn('999990020')).toMatchObject({ callName: 'Tom', familyName: 'van Duinen', birthDate: '1961-08-02', gender: 'male' });
    expect(TEST_PERSONS.filter((p) => p.familyName === 'de Groot' && p.callName === 'Koos')).toHaveLength(1);
    const anna = personByBsn('999990019')!;
    expect(anna.mandates.map((m) => personByBsn(m.from)!.familyName)).toEqual(['van Dijk', 'ter Horst']);
  });

  it('has a namesake with another birth date, for identity-check mismatches', () => {
    const sannes = TEST_PERSONS.filter((p) => p.callName === 'Sanne' && p.familyName === 'van Dijk');
    expect(sannes).toHaveLength(2);
    expect(sannes[0]!.birthDate).not.toBe(sannes[1]!.birthDate);
  });
});

describe('accounts', () => {
  const anna = personByBsn('999990019')!;

  it('maps a login to an accountId and back', () => {
    expect(principalOf(accountIdFor(anna, 'self')!)).toEqual({ subject: anna });
    expect(principalOf(accountIdFor(anna, '999990044')!)).toEqual({ subject: personByBsn('999990044'), actor: anna });
    expect(accountIdFor(anna, '999990020')).toBeUndefined();
    expect(principalOf('999990019')).toBeUndefined();
  });

  it('puts act only on a represented principal', () => {
    const id = accountIdFor(anna, '999990056')!;
    expect(claimsOf(id, principalOf(id)!)).toMatchObject({ sub: id, bsn: '999990056', act: { sub: anna.id, bsn: anna.bsn } });
    expect(claimsOf(anna.id, { subject: anna })).not.toHaveProperty('act');
  });
});
