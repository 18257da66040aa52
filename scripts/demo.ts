// `pnpm demo`: all five services in one process with in-memory stores.
import { startStack, DEFAULT_PORTS, type Service } from './stack.ts';

const portEnv: Record<Service, string> = { pgo: 'PGO_PORT', dvaAuth: 'DVA_AUTH_PORT', dvaFhir: 'DVA_FHIR_PORT', module: 'MODULE_PORT', digid: 'DIGID_PORT' };
const ports = Object.fromEntries(Object.entries(portEnv).map(([s, v]) => [s, Number(process.env[v] ?? DEFAULT_PORTS[s as Service])]));
// registrations and FHIR data are the deployment's (docs/architecture.md "Registrations are data"): a vendor's own files
const data = Object.fromEntries(['REGISTRATIONS_FILE', 'FHIR_BUNDLE'].flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
// the demo records every launch for the PGO's "wat er net gebeurde" page (docs/decisions.md I139)
const stack = await startStack({ ports, env: { ...data, DEMO_TRACE: process.env.DEMO_TRACE ?? 'true' }, logLevel: process.env.LOG_LEVEL ?? 'warn' });

console.log(`
Koppelmij demo is running (in-memory stores, demo data).

  Open the PGO:  ${stack.urls.pgo}
${Object.entries(data).map(([name, value]) => `  ${name}=${value}\n`).join('')}
  DVA authorization server  ${stack.urls.dvaAuth}
  DVA FHIR server           ${stack.urls.dvaFhir}
  sample module             ${stack.urls.module}
  mock DigiD                ${stack.urls.digid}

Host names under .localhost resolve to this machine in every current browser.
Press Ctrl+C to stop.`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void stack.close().then(() => process.exit(0));
  });
}
