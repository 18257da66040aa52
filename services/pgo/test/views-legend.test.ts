import { describe, expect, it } from 'vitest';
import { dossierPage } from '../src/views.ts';
import type { Session } from '../src/session.ts';

describe('the dossier page (docs/decisions.md I141, I142)', () => {
  it('is Dutch, has one <main> and <h1>, and explains levels, options and consent', () => {
    const session = { data: { csrf: 'c', dossiers: [] } } as unknown as Session;
    const page = dossierPage(session, { bsn: '1', name: 'Tom van Duinen', relation: 'self' } as never, undefined);
    expect(page).toContain('<html lang="nl">');
    expect(page.match(/<main>/g)).toHaveLength(1);
    expect(page).toContain('<h1>Dossier van Tom van Duinen</h1>');
    expect(page).toContain('data-testid="legend"');
    for (const term of ['Niveaus', 'Opties voor het starten van een module', 'Toestemming', '<b>3a</b>', '<b>PS</b>', '<b>eerste keer</b>']) expect(page).toContain(term);
  });
});
