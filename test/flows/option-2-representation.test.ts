/**
 * Options 2a and 2b under representation (docs/option-2a-2b.md decision 11; docs/identity-check-reference.md):
 * Anna represents Sanne. The delegation token's `act` chain then names the module, the PGO and,
 * nested last, Anna (RFC 8693 §4.1). The DVA here serves a bundle in which Sanne's Task is
 * launched with option 2a or 2b, so nothing else of the demo changes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../scripts/stack.ts';
import { Browser, textOf } from '../support/browser.ts';
import { ANNA, SANNE, collectAs, openDossier, pgoLogin, subOf } from '../support/identity.ts';

/** The demo bundle with task-van-dijk launched by `activityDefinition`. */
function bundleWith(activityDefinition: string): string {
  const bundle = JSON.parse(readFileSync(new URL('../../deploy/demo/fhir-bundle.json', import.meta.url), 'utf8'));
  const task = bundle.entry.find((e: { resource: { id?: string } }) => e.resource.id === 'task-van-dijk').resource;
  task.extension[0].valueReference.reference = `ActivityDefinition/${activityDefinition}`;
  const path = join(mkdtempSync(join(tmpdir(), 'koppelmij-2-rep-')), 'fhir-bundle.json');
  writeFileSync(path, JSON.stringify(bundle));
  return path;
}

describe.each(['2a', '2b'] as const)('option %s under representation', (option) => {
  let stack: Stack;
  beforeAll(async () => {
    const FHIR_BUNDLE = bundleWith(`ad-${option}`);
    stack = await startStack({ ports: { pgo: 0, dvaAuth: 0, dvaFhir: 0, module: 0, digid: 0 }, serviceEnv: { dvaAuth: { FHIR_BUNDLE }, dvaFhir: { FHIR_BUNDLE } } });
  });
  afterAll(() => stack?.close());

  it('names the module, the PGO and the representative in the delegation token’s act chain', async () => {
    const browser = new Browser();
    await pgoLogin(stack, browser, ANNA, 'self');
    const tasks = await collectAs(stack, browser, await openDossier(stack, browser, SANNE), ANNA, SANNE);
    const app = await browser.submit(tasks, 'start-module-task-van-dijk');
    expect(new URL(app.url).pathname).toBe(`/m/module-${option}/app`);
    expect(textOf(app, 'module-patient-name')).toContain('van Dijk');

    const delegation = (await stack.dvaAuth.dva.audit.recent(20)).find((e) => e.type === 'token-exchange.delegation');
    expect(delegation).toMatchObject({ sub: subOf(SANNE), audience: `module-${option}`, act: [`module-${option}`, 'pgo-demo', subOf(ANNA)] });
  });
});
