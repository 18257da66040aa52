// The identity check's matching rules (docs/identity-check-reference.md).
import assert from 'node:assert/strict';
import { isValidBsn, matchIdentity } from '@koppelmij/core';

export function main(): void {
  assert.equal(isValidBsn('999990019'), true); // the elfproef
  const onRecord = { family: 'van der Berg', initials: 'A.', birthDate: '1984-03-07' };
  assert.equal(matchIdentity({ family: 'Berg, van der', given: ['Anna'], birthDate: '1984-03-07' }, onRecord), 'match');
  assert.equal(matchIdentity({ family: 'VAN DER BÉRG', birthDate: '1984-03-08' }, onRecord), 'mismatch');
  assert.equal(matchIdentity({ family: 'van der Berg' }, onRecord), 'insufficient-data');
}
