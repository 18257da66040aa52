import { describe, expect, it } from 'vitest';
import { numberedMessages, type TraceExchange } from '../src/demo-trace/index.ts';
import type { Party } from '../src/demo-trace/store.ts';

let clock = 0;
/** An exchange that starts now; `inner` runs while it is handled (its back-channel calls). */
function exchange(from: Party, to: Party, method: string, path: string, options: { params?: string[]; grant?: string; location?: [Party, string] } = {}, inner: () => TraceExchange[] = () => []): TraceExchange[] {
  const startedAt = ++clock;
  const nested = inner();
  const e: TraceExchange = {
    seq: startedAt, from, to, method, path, query: {}, headers: {}, status: options.location ? 302 : 200, responseHeaders: {}, startedAt, endedAt: ++clock,
    facts: { params: options.params ?? [], ...(options.grant && { grant_type: options.grant }), ...(options.location && { locationParty: options.location[0], locationPath: options.location[1] }) },
  };
  return [...nested, e];
}

describe('the step table (docs/decisions.md I140)', () => {
  it('numbers option 3b by docs/protocol.md §3.5', () => {
    const exchanges = [
      ...exchange('browser', 'pgo', 'POST', '/dossier/1/tasks/task-3b/start', { location: ['dvaAuth', '/launch-module'] }, () => exchange('pgo', 'dvaFhir', 'GET', '/fhir/Task/task-3b')),
      ...exchange('browser', 'dvaAuth', 'GET', '/launch-module', { params: ['module', 'context'], location: ['module', '/m/module-3b/launch'] }),
      ...exchange('browser', 'module', 'GET', '/m/module-3b/launch', { params: ['iss', 'launch'], location: ['dvaAuth', '/authorize'] }),
      ...exchange('browser', 'dvaAuth', 'GET', '/authorize', { params: ['launch'], location: ['dvaAuth', '/interaction/x'] }),
      ...exchange('browser', 'dvaAuth', 'GET', '/interaction/x', { location: ['module', '/m/module-3b/callback'] }),
      ...exchange('browser', 'module', 'GET', '/m/module-3b/callback', { location: ['module', '/m/module-3b/app'] }, () =>
        exchange('module', 'dvaAuth', 'POST', '/token', { grant: 'authorization_code' }),
      ),
      ...exchange('browser', 'module', 'GET', '/m/module-3b/app', {}, () => exchange('module', 'dvaFhir', 'GET', '/fhir/Task/task-3b')),
    ];
    const steps = numberedMessages(exchanges, '3b').flatMap((m) => (m.step === undefined ? [] : [m.step]));
    expect([...new Set(steps)]).toEqual(['3b-3', 'W0', '3b-4', '3b-5', '3b-7', '3b-8', '3b-9', '3b-10', '3b-11']);
  });

  it('numbers no error answer: a DPoP nonce challenge before the token response of 2a-11', () => {
    const challenge = exchange('module', 'pgo', 'POST', '/token');
    challenge[0]!.status = 400;
    const answer = exchange('module', 'pgo', 'POST', '/token');
    const steps = numberedMessages([...challenge, ...answer], '2a').map((m) => m.step);
    expect(steps).toEqual(['2a-8', undefined, '2a-8', '2a-11']);
  });

  it('numbers nothing for an option it has no rows for', () => {
    const exchanges = exchange('browser', 'pgo', 'POST', '/dossier/1/tasks/t/start');
    expect(numberedMessages(exchanges, undefined).map((m) => m.step)).toEqual([undefined, undefined]);
  });
});
