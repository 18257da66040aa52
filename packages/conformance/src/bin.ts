#!/usr/bin/env node
// pnpm conformance --dva URL --fhir URL [--pgo URL --digid URL --person BSN --other-person BSN]
//   --module-client-id ID --key-file FILE [--redirect-uri URI] [--token-burst N]   (docs/conformance.md)
import { parseArgs } from 'node:util';
import { installLocalhostResolver } from '@koppelmij/service-kit';
import { formatResult, runConformance, summary, Target } from './index.ts';

const { values } = parseArgs({
  options: {
    dva: { type: 'string' },
    fhir: { type: 'string' },
    pgo: { type: 'string' },
    digid: { type: 'string' },
    person: { type: 'string' },
    'other-person': { type: 'string' },
    task: { type: 'string', default: 'task-3a' },
    'launch-cookie': { type: 'string', default: '__Host-dva_launch_auth' },
    'module-client-id': { type: 'string' },
    'key-file': { type: 'string' },
    'redirect-uri': { type: 'string' },
    only: { type: 'string' },
    'token-burst': { type: 'string' },
  },
});

const missing = ['dva', 'fhir', 'module-client-id', 'key-file', 'redirect-uri'].filter((name) => values[name as keyof typeof values] === undefined);
if (missing.length) {
  console.error(`missing ${missing.map((m) => `--${m}`).join(', ')} (see docs/conformance.md)`);
  process.exit(2);
}
installLocalhostResolver(); // *.localhost names resolve to loopback (RFC 6761 §6.3), as in browsers
const journey = values.pgo && values.digid && values.person
  ? { pgo: values.pgo, digid: values.digid, person: values.person, otherPerson: values['other-person'] ?? values.person, task: values.task!, launchCookie: values['launch-cookie']! }
  : undefined;
const only = values.only?.split(',');
const all = await runConformance(
  { dva: values.dva!, fhir: values.fhir!, clientId: values['module-client-id']!, privateJwk: Target.readKey(values['key-file']!), redirectUri: values['redirect-uri']!, ...(journey && { journey }), ...(values['token-burst'] && { tokenBurst: Number(values['token-burst']) }) },
  (c) => (only && !only.includes(c.id) ? 'not selected by --only' : undefined),
);
const results = only ? all.filter((r) => only.includes(r.case.id)) : all;
for (const result of results) process.stdout.write(`${formatResult(result)}\n`);
process.stdout.write(`${summary(results)}\n`);
process.exitCode = results.some((r) => r.verdict.outcome === 'FAIL') ? 1 : 0;
