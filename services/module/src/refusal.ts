/**
 * The authorization server's refusal in plain words (RFC 6749 §4.1.2.1: `error` and the optional
 * `error_description`, "human-readable ASCII … to assist the client developer"). The module
 * chooses the sentence from the code and the description; the description itself is shown only
 * when it is RFC syntax (decision docs/decisions.md I136).
 */
import { oauthErrorDescription } from '@koppelmij/core/errors';

export interface Refusal {
  /** Dutch, for the person. */
  message: string;
  /** The DVA's own description, shown beside the message. */
  description?: string;
}


const PLAIN: [RegExp, string][] = [
  [/already used|expired/, 'Deze startlink is al gebruikt of verlopen. Een startlink werkt maar één keer en maar een paar minuten. Start de module opnieuw vanuit uw PGO.'],
  [/not the person|differs|another person/, 'U bent bij DigiD ingelogd als iemand anders dan de persoon voor wie deze module is gestart. Daarom krijgt deze module geen gegevens.'],
  [/did not consent/, 'U heeft geen toestemming gegeven. De module krijgt daarom geen gegevens van uw zorgaanbieder.'],
  [/no records/, 'Uw zorgaanbieder heeft geen gegevens van de persoon die bij DigiD inlogde.'],
];

export function refusal(error: string, description: string | undefined): Refusal {
  const shown = oauthErrorDescription(description); // RFC 6749 §4.1.2.1 syntax, else not shown
  const plain = PLAIN.find(([pattern]) => shown !== undefined && pattern.test(shown))?.[1];
  return {
    message: plain ?? (error === 'access_denied' ? 'Uw zorgaanbieder heeft de toegang geweigerd.' : 'Uw zorgaanbieder kon de module niet starten.'),
    ...(shown !== undefined && { description: shown }),
  };
}
