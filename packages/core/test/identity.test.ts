import { describe, expect, it } from 'vitest';
import {
  initialsFromGiven,
  isValidBsn,
  matchIdentity,
  normaliseFamilyName,
  normaliseInitials,
  type PersonData,
} from '../src/identity/index.ts';

describe('isValidBsn', () => {
  it.each(['999990019', '111222333', '123456782', '999991905', '012345672'])('accepts %s (elfproef holds)', (bsn) => {
    expect(isValidBsn(bsn)).toBe(true);
  });

  it.each([
    ['123456789', 'elfproef fails (sum 147)'],
    ['999999999', 'elfproef fails'],
    ['999990018', 'last digit off by one'],
    ['000000000', 'all zeros, although the sum is 0'],
    ['12345672', 'eight digits are not padded'],
    ['1234567820', 'ten digits'],
    ['12345678X', 'a letter'],
    ['123 456 782', 'spaces'],
    ['１２３４５６７８２', 'full-width digits'],
    ['', 'empty'],
  ])('rejects %j (%s)', (bsn) => {
    expect(isValidBsn(bsn)).toBe(false);
  });

  it('subtracts the ninth digit: 123456782 passes only with weight −1', () => {
    // With +1 the sum would be 158 ≡ 4 (mod 11); with −1 it is 154 = 14 · 11.
    expect(isValidBsn('123456782')).toBe(true);
    expect(isValidBsn('123456784')).toBe(false);
  });

  it.each([undefined, null, 999990019, {}])('rejects non-string %j without throwing', (bsn) => {
    expect(isValidBsn(bsn)).toBe(false);
  });
});

describe('normaliseFamilyName', () => {
  it.each(['Berg, van der', 'van der Berg', 'VAN DER BERG', 'Van der Bérg', '  van  der\tBerg ', 'Berg,van der', 'berg , Van Der'])(
    '%j → "van der berg" (acceptance scenario 6)',
    (name) => {
      expect(normaliseFamilyName(name)).toBe('van der berg');
    },
  );

  it.each([
    ['Vries, de', 'de vries'],
    ['Hart, ’t', "'t hart"],
    ['Veld, in ’t', "in 't veld"],
    ['Ancona, d’', "d' ancona"],
    ["d'Ancona", "d' ancona"],
    ['Brink, ten', 'ten brink'],
    ['Meer, op de', 'op de meer'],
  ])('moves the prefix of %j to the front: %j', (name, canonical) => {
    expect(normaliseFamilyName(name)).toBe(canonical);
  });

  it.each([
    ['Çelik', 'celik'],
    ['Ørsted', 'orsted'],
    ['Straße', 'strasse'],
    ['Łukasz', 'lukasz'],
    ['Ĳsselmuiden', 'ijsselmuiden'],
    ['Jansen – van der Berg', 'jansen-van der berg'],
  ])('folds %j to %j', (name, canonical) => {
    expect(normaliseFamilyName(name)).toBe(canonical);
  });

  it('keeps the prefix as part of the name', () => {
    expect(normaliseFamilyName('Berg')).not.toBe(normaliseFamilyName('van der Berg'));
  });

  it('does not move a non-prefix after a comma', () => {
    expect(normaliseFamilyName('Berg, Anna')).toBe('berg anna');
  });

  it.each([undefined, null, 42, ''])('returns "" for %j', (name) => {
    expect(normaliseFamilyName(name)).toBe('');
  });
});

describe('normaliseInitials and initialsFromGiven', () => {
  it.each(['A.B.', 'A. B.', 'ab', 'AB', 'a b', 'Á.B'])('%j → "ab"', (initials) => {
    expect(normaliseInitials(initials)).toBe('ab');
  });

  it('counts a mixed-case group as one abbreviated name', () => {
    expect(normaliseInitials('Th.J.')).toBe('tj');
    expect(normaliseInitials('Chr.')).toBe('c');
  });

  it('treats the IJ digraph as one initial on both sides', () => {
    expect(normaliseInitials('IJ.')).toBe('ij');
    expect(initialsFromGiven(['IJsbrand'])).toBe('ij');
  });

  it('derives one initial per given name', () => {
    expect(initialsFromGiven(['Anna', 'Maria'])).toBe('am');
    expect(initialsFromGiven(['Anna Maria', 'Élise'])).toBe('ame');
    expect(initialsFromGiven(['Anne-Marie'])).toBe('a');
  });

  it.each([undefined, null, 3, ['A'], '', '..'])('normaliseInitials copes with odd input %j', (value) => {
    expect(normaliseInitials(value)).toBe('');
  });

  it.each([undefined, null, 3, 'Anna', [1, null], ['', ' ']])('initialsFromGiven copes with odd input %j', (value) => {
    expect(initialsFromGiven(value)).toBe('');
  });
});

const anna: PersonData = { family: 'van der Berg', given: ['Anna', 'Maria'], birthDate: '1984-03-07' };

describe('matchIdentity', () => {
  it.each(['Berg, van der', 'van der Berg', 'VAN DER BERG', 'Van der Bérg'])('matches family %j (acceptance scenario 6)', (family) => {
    expect(matchIdentity({ ...anna, family }, anna)).toBe('match');
  });

  it.each(['1984-03-08', '1985-03-07', '1984-07-03'])('never matches another birth date %s', (birthDate) => {
    expect(matchIdentity({ ...anna, birthDate }, anna)).toBe('mismatch');
    expect(matchIdentity({ ...anna, birthDate, family: 'Berg, van der' }, anna, { requiredFields: ['birthDate'] })).toBe('mismatch');
  });

  it('mismatches another family name', () => {
    expect(matchIdentity({ ...anna, family: 'Berg' }, anna)).toBe('mismatch');
  });

  describe('BSN', () => {
    it('decides on its own when valid on both sides: equal → match despite other data', () => {
      expect(matchIdentity({ bsn: '999990019', birthDate: '2000-01-01' }, { ...anna, bsn: '999990019' })).toBe('match');
    });

    it('decides on its own when valid on both sides: different → mismatch despite matching data', () => {
      expect(matchIdentity({ ...anna, bsn: '999990019' }, { ...anna, bsn: '111222333' })).toBe('mismatch');
    });

    it('counts as absent when invalid on either side, leaving the demographics to decide', () => {
      expect(matchIdentity({ ...anna, bsn: '123456789' }, { ...anna, bsn: '999990019' })).toBe('match');
      expect(matchIdentity({ ...anna, bsn: '123456789', birthDate: '1990-01-01' }, { ...anna, bsn: '123456789' })).toBe('mismatch');
    });

    it('counts as absent when only one side has it', () => {
      expect(matchIdentity({ ...anna, bsn: '999990019' }, anna)).toBe('match');
    });

    it('is insufficient-data when required and not valid on both sides', () => {
      const required = { requiredFields: ['bsn'] } as const;
      expect(matchIdentity({ ...anna, bsn: '999990019' }, anna, required)).toBe('insufficient-data');
      expect(matchIdentity({ ...anna, bsn: '123456789' }, { ...anna, bsn: '123456789' }, required)).toBe('insufficient-data');
      expect(matchIdentity({ bsn: '999990019' }, { bsn: '999990019' }, required)).toBe('match');
    });
  });

  describe('initials', () => {
    it('compare explicit initials with those derived from given names', () => {
      expect(matchIdentity({ ...anna, given: undefined, initials: 'A.M.' }, anna)).toBe('match');
      expect(matchIdentity({ ...anna, given: undefined, initials: 'A.J.' }, anna)).toBe('mismatch');
    });

    it('prefer explicit initials over given names', () => {
      expect(matchIdentity({ ...anna, initials: 'B.' }, anna)).toBe('mismatch');
    });

    it('are skipped when one side has none', () => {
      expect(matchIdentity({ family: anna.family, birthDate: anna.birthDate }, anna)).toBe('match');
    });

    it('must be equal by default, or a prefix with initials: prefix', () => {
      const partial = { ...anna, given: ['Anna'] };
      expect(matchIdentity(partial, anna)).toBe('mismatch');
      expect(matchIdentity(partial, anna, { initials: 'prefix' })).toBe('match');
      expect(matchIdentity({ ...anna, given: ['Berta'] }, anna, { initials: 'prefix' })).toBe('mismatch');
    });

    it('are insufficient-data when required and missing', () => {
      expect(matchIdentity({ family: anna.family, birthDate: anna.birthDate }, anna, { requiredFields: ['birthDate', 'family', 'initials'] })).toBe(
        'insufficient-data',
      );
    });

    it('never decide alone', () => {
      expect(matchIdentity({ initials: 'A.M.' }, anna, { requiredFields: [] })).toBe('insufficient-data');
    });
  });

  describe('insufficient-data', () => {
    it.each<[PersonData, PersonData, string]>([
      [{ family: 'van der Berg' }, anna, 'no birth date presented'],
      [anna, { family: 'van der Berg', given: ['Anna', 'Maria'] }, 'no birth date on record (identity-check §5.1)'],
      [{ birthDate: '1984-03-07' }, anna, 'no family name presented'],
      [{ ...anna, family: '' }, anna, 'an empty family name'],
      [{ ...anna, family: '   ' }, anna, 'a blank family name'],
      [{ ...anna, birthDate: '1984-03' }, anna, 'a partial birth date'],
      [{ ...anna, birthDate: '1984-02-30' }, { ...anna, birthDate: '1984-02-30' }, 'a date not in the calendar'],
      [{ ...anna, birthDate: '07-03-1984' }, anna, 'a Dutch-ordered date'],
      [{}, anna, 'nothing presented'],
    ])('for %j against %j (%s)', (presented, onRecord) => {
      expect(matchIdentity(presented, onRecord)).toBe('insufficient-data');
    });

    it('does not hide a known difference behind missing data', () => {
      expect(matchIdentity({ birthDate: '1990-01-01' }, anna)).toBe('mismatch');
    });

    it('honours a smaller required set', () => {
      expect(matchIdentity({ birthDate: '1984-03-07' }, anna, { requiredFields: ['birthDate'] })).toBe('match');
    });

    it.each([undefined, null, 'x', 42, { family: 7, birthDate: 19840307, given: 'Anna', bsn: 999990019 }])(
      'never throws on odd input %j',
      (odd) => {
        expect(matchIdentity(odd as unknown as PersonData, anna)).toBe('insufficient-data');
        expect(matchIdentity(anna, odd as unknown as PersonData)).toBe('insufficient-data');
      },
    );
  });
});
