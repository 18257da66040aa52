import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, setGlobalDispatcher } from 'undici';

/**
 * RFC 6761 §6.3: names under `localhost.` resolve to the loopback address. Browsers do this
 * for `pgo.localhost` and friends; glibc does not, so the demo and the tests give Node's
 * fetch the same rule. Everything else goes to the normal resolver.
 */
export function isLocalhostName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export function localhostLookup(hostname: string, options: { all?: boolean }, callback: LookupCallback): void {
  if (isLocalhostName(hostname)) {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
    return;
  }
  dnsLookup(hostname, options as never, callback as never);
}

/** Makes the global fetch resolve `*.localhost` to 127.0.0.1 (demo and tests). */
export function installLocalhostResolver(): void {
  setGlobalDispatcher(new Agent({ connect: { lookup: localhostLookup as never } }));
}
