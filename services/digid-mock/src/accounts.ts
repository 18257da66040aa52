import type { Account, AccountClaims, FindAccount } from 'oidc-provider';
import { displayName, TEST_PERSONS, type TestPerson } from './persons.ts';

/**
 * Who a DigiD login is for. `subject` is the person the session is FOR; `actor` is set when
 * a representative logged in and chose to act for `subject` under a mandate.
 */
export interface Principal {
  subject: TestPerson;
  actor?: TestPerson;
}

/**
 * The accountId (and therefore the id_token `sub`; oidc-provider always sets `sub` to the
 * accountId) of a login: the person's own `id` when acting for themselves, the mandate's `id`
 * when acting under a mandate. Both are opaque and stable, never a BSN. Undefined when
 * `represent` names a person who did not mandate `holder`.
 */
export function accountIdFor(holder: TestPerson, represent: string | undefined): string | undefined {
  if (represent === undefined || represent === 'self') return holder.id;
  return holder.mandates.find((m) => m.from === represent)?.id;
}

const principals = new Map<string, Principal>();
for (const person of TEST_PERSONS) {
  principals.set(person.id, { subject: person });
  for (const mandate of person.mandates) {
    const subject = TEST_PERSONS.find((p) => p.bsn === mandate.from);
    if (subject) principals.set(mandate.id, { subject, actor: person });
  }
}

/** The principal behind an accountId, if it is one of the test persons or mandates. */
export function principalOf(accountId: string): Principal | undefined {
  return principals.get(accountId);
}

/** Custom scope `bsn` (README "Claim contract"); `openid` and `profile` are OIDC Core §5.4. */
export const CLAIMS_BY_SCOPE = {
  openid: ['sub'],
  profile: ['name', 'family_name', 'given_name', 'birthdate', 'gender'],
  bsn: ['bsn', 'act'],
};

/**
 * The claims of a principal, before oidc-provider filters them by the granted scopes.
 * Profile claims and `bsn` describe the subject; `act` (RFC 8693 §4.1) the representative.
 */
export function claimsOf(accountId: string, { subject, actor }: Principal): AccountClaims {
  return {
    sub: accountId,
    bsn: subject.bsn,
    name: displayName(subject),
    family_name: subject.familyName,
    given_name: subject.givenNames.join(' '),
    birthdate: subject.birthDate,
    gender: subject.gender,
    ...(actor && { act: { sub: actor.id, bsn: actor.bsn, name: displayName(actor) } }),
  };
}

/** oidc-provider's `findAccount`: undefined for an unknown accountId. */
export const findAccount: FindAccount = (_ctx, accountId): Account | undefined => {
  const principal = principalOf(accountId);
  if (!principal) return undefined;
  return { accountId, claims: () => claimsOf(accountId, principal) };
};
