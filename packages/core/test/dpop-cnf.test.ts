import { describe, expect, it } from 'vitest';
import { assertionBindsProof, readCnfJkt } from '../src/dpop/index.ts';

const JKT = 'a'.repeat(43);

describe('readCnfJkt (RFC 7800 §3.1, RFC 9449 §6.1)', () => {
  it('reads an absent cnf as absent, and a jkt as the thumbprint', () => {
    expect(readCnfJkt(undefined)).toEqual({ present: false });
    expect(readCnfJkt({ jkt: JKT })).toEqual({ present: true, jkt: JKT });
  });

  it.each([
    ['null', null],
    ['a string', JKT],
    ['an array', [JKT]],
    ['another confirmation method', { 'x5t#S256': JKT }],
    ['a short jkt', { jkt: 'a'.repeat(42) }],
    ['a padded jkt', { jkt: `${'a'.repeat(42)}=` }],
    ['a jkt that is no string', { jkt: 42 }],
  ])('reads %s as present without a jkt', (_name, cnf) => {
    expect(readCnfJkt(cnf)).toEqual({ present: true, jkt: undefined });
  });
});

describe('assertionBindsProof (docs/security-checklists.md §3 (10))', () => {
  it('holds only for the same thumbprint on both sides', () => {
    expect(assertionBindsProof(JKT, JKT)).toBe(true);
    expect(assertionBindsProof(JKT, 'b'.repeat(43))).toBe(false);
    expect(assertionBindsProof(undefined, JKT)).toBe(false);
    expect(assertionBindsProof(JKT, undefined)).toBe(false);
    expect(assertionBindsProof(undefined, undefined)).toBe(false);
  });
});
