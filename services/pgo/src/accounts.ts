/**
 * The PGO's own accounts (docs/identity-check.md "Dossiers"): which dossiers a logged-in person
 * may open on behalf of someone else, and the identifying data the PGO holds of each dossier's
 * person. Demo data in `deploy/demo/pgo-accounts.json` (`PGO_ACCOUNTS_FILE`); a real PGO keeps
 * this in its user administration. DigiD mandates do not create dossiers here: the PGO learns of
 * a mandate only when someone logs in with it.
 */
import { readFile } from 'node:fs/promises';
import type { PersonData } from '@koppelmij/core/identity';
import { z } from 'zod';
import type { DossierRef } from './session.ts';

const BSN = z.string().regex(/^[0-9]{9}$/);

const Account = z.object({
  bsn: BSN,
  name: z.string().min(1),
  family: z.string().min(1).optional(),
  given: z.array(z.string().min(1)).optional(),
  birthDate: z.string().optional(),
  /** BSNs of the people who may open this account's dossier on the holder's behalf. */
  representatives: z.array(BSN).default([]),
});

const AccountsFile = z.looseObject({ accounts: z.array(Account) });

export type Account = z.infer<typeof Account>;

export class Accounts {
  readonly #accounts: readonly Account[];

  constructor(accounts: readonly Account[]) {
    this.#accounts = accounts;
  }

  /**
   * Reads and validates the accounts file.
   *
   * @throws Error naming the file when it is unreadable or malformed
   */
  static async load(file: string): Promise<Accounts> {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, 'utf8'));
    } catch (cause) {
      throw new Error(`PGO_ACCOUNTS_FILE ${file} cannot be read`, { cause });
    }
    const parsed = AccountsFile.safeParse(json);
    if (!parsed.success) throw new Error(`PGO_ACCOUNTS_FILE ${file} is malformed: ${parsed.error.message}`);
    return new Accounts(parsed.data.accounts);
  }

  /** The dossiers `representative` may open on someone else's behalf, in file order. */
  representedBy(representative: string): DossierRef[] {
    return this.#accounts
      .filter((a) => a.representatives.includes(representative))
      .map((a) => ({ bsn: a.bsn, name: a.name, relation: 'represented', person: personOf(a) }));
  }
}

function personOf(account: Account): PersonData {
  return {
    bsn: account.bsn,
    ...(account.family !== undefined && { family: account.family }),
    ...(account.given !== undefined && { given: account.given }),
    ...(account.birthDate !== undefined && { birthDate: account.birthDate }),
  };
}
