// The live protocol trace (DEMO_TRACE; docs/decisions.md I139, I140): after a launch the PGO's
// dossier and the module page link to "wat er net gebeurde", which lists the real messages of that
// launch with their step numbers, in the order of docs/option-3a.md and docs/protocol.md §3.3.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumOrSkip } from '../support/chromium.ts';
import { browserSuite } from './fixture.ts';
import { approveIfAsked, collectTasks, expectTaskCompleted, screenshotAs, submitBloodPressure } from './steps.ts';

const executablePath = chromiumOrSkip('test/browser/trace');
const screenshot = screenshotAs('trace-');

/** The W-steps of docs/option-3a.md's sequence diagram, in the order it draws them. */
function documentedSteps(): string[] {
  const doc = readFileSync(new URL('../../docs/option-3a.md', import.meta.url), 'utf8');
  const diagram = doc.slice(doc.indexOf('```mermaid'), doc.indexOf('```', doc.indexOf('```mermaid') + 3));
  return [...new Set([...diagram.matchAll(/\bW(\d+)\b/g)].map((m) => `W${m[1]}`))];
}

/** The longest prefix of `expected` that occurs in `steps` in that order. */
function inOrder(steps: readonly (string | null)[], expected: readonly string[]): string[] {
  let found = 0;
  for (const step of steps) if (step === expected[found]) found++;
  return expected.slice(0, found);
}

async function traceSteps(page: Page): Promise<(string | null)[]> {
  await page.getByTestId('trace-diagram').waitFor();
  return page.getByTestId('trace-message').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-step') || null));
}

describe.skipIf(executablePath === undefined)('the live protocol trace (DEMO_TRACE)', () => {
  const suite = browserSuite(executablePath, { failed: 'trace-failed', stack: () => ({ env: { DEMO_TRACE: 'true' } }) });

  it('shows every W-step of option 3a in order, linked from the module and the dossier, without a secret', async () => {
    const page = await suite.newBrowser();
    await collectTasks(suite.stack, page);
    await page.getByTestId('start-module-task-3a').click();
    await approveIfAsked(suite.stack, page);
    await page.getByTestId('module-patient-name').waitFor();
    const fromModule = await page.getByTestId('module-trace-link').getAttribute('href');
    await submitBloodPressure(page, '128', '84');
    await expectTaskCompleted(page, 'task-3a');

    await page.getByTestId('demo-trace-link').click();
    const steps = await traceSteps(page);
    await screenshot(page, '3a');
    expect(page.url()).toBe(fromModule);
    const expected = documentedSteps();
    expect(expected).toEqual(Array.from({ length: 19 }, (_, i) => `W${i}`));
    expect(inOrder(steps, expected)).toEqual(expected);

    const trace = (await (await fetch(page.url().replace(/\/view$/, ''))).json()) as { option: string; messages: unknown[] };
    expect(trace.option).toBe('3a');
    const text = JSON.stringify(trace);
    // never a JWT's signature, a cookie value or a Basic credential: JWTs are decoded, the rest shortened
    expect(text).not.toMatch(/eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{20,}/);
    expect(text).not.toMatch(/"(d|p|q|dp|dq|qi)":/);
    expect(text).toContain('=(not shown)');
    const w1 = (trace.messages as { step?: string; body?: { subject_token?: unknown; code_challenge?: string } }[]).find((m) => m.step === 'W1')!;
    expect(w1.body?.subject_token).toMatchObject({ jwt: { header: { typ: 'at+jwt' } } });
    expect(w1.body?.code_challenge).toMatch(/^.{4}….{4}$/);
  });

  it('shows the steps of option 2a in order (docs/protocol.md §3.3)', async () => {
    const page = await suite.newBrowser();
    await collectTasks(suite.stack, page);
    await page.getByTestId('start-module-task-2a').click();
    await page.getByTestId('module-patient-name').waitFor();
    await page.getByTestId('module-trace-link').click();
    const steps = await traceSteps(page);
    await screenshot(page, '2a');
    const expected = ['2a-3', '2a-4', '2a-6', '2a-7', '2a-8', '2a-9', '2a-10', '2a-11', '2a-12'];
    expect(inOrder(steps, expected)).toEqual(expected);
  });
});
