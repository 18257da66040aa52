/**
 * Options 2a and 2b as the demo runs them, with the real module and the scripted browser (no
 * Chromium needed): the PGO's start button, the module, its form, and back at the PGO with the
 * Task completed. The option comes from the module's registration alone (docs/option-2a-2b.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.ts';
import { Browser, textOf } from '../support/browser.ts';
import { collect, loginAtPgo } from '../support/flows.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ ports: { pgo: 0, dvaAuth: 0, dvaFhir: 0, module: 0, digid: 0 } });
});
afterAll(() => stack?.close());

describe.each(['2a', '2b'] as const)('option %s in the demo', (option) => {
  it('starts at the PGO, opens the module without a login, and comes back with the Task completed', async () => {
    const task = `task-${option}`;
    const browser = new Browser();
    const dossier = await collect(stack, browser, await loginAtPgo(stack, browser));
    const app = await browser.submit(dossier, `start-module-${task}`);
    // start → module launch (iss = PGO FHIR base) → PGO /authorize → interaction → code → module app
    expect(app.hops.map((hop) => new URL(hop).origin)).toEqual([
      stack.urls.pgo, stack.urls.module, stack.urls.pgo, stack.urls.pgo, stack.urls.pgo, stack.urls.module, stack.urls.module,
    ]);
    expect(new URL(app.hops[1]!).searchParams.get('iss')).toBe(`${stack.urls.pgo}/fhir`);
    expect(textOf(app, 'module-task-id')).toBe(task);
    expect(textOf(app, 'module-patient-name')).toContain('van Duinen');

    const back = await browser.submit(app, 'module-submit', { systolic: '124', diastolic: '81' });
    expect(back.url).toBe(`${stack.urls.pgo}/dossier/999990020`);
    expect(textOf(back, `task-status-${task}`)).toBe('completed');
    // terugkeer step 2 (docs/protocol.md §4.6): the module revoked its delegation token at the DVA
    const revoked = (await stack.dvaAuth.dva.audit.recent(10)).find((e) => e.type === 'token.revoked');
    expect(revoked?.client_id).toBe(`module-${option}`);
  });
});
