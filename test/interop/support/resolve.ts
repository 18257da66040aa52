/**
 * RFC 6761 §6.3 for clients that resolve names with the system resolver (fhirclient's
 * cross-fetch → node-fetch → `dns.lookup`): names under `localhost.` go to 127.0.0.1, as in a
 * browser or with the `/etc/hosts` line of the README. The client stays unmodified; only name
 * resolution in this test process changes (Node's fetch has service-kit's resolver already).
 */
import dns from 'node:dns';
import { isLocalhostName } from '@koppelmij/service-kit';

type Callback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

let installed = false;

export function resolveLocalhostNamesForNodeClients(): void {
  if (installed) return;
  installed = true;
  const original = dns.lookup.bind(dns) as (hostname: string, options: dns.LookupOptions, callback: Callback) => void;
  const lookup = (hostname: string, options: dns.LookupOptions | number | Callback, callback?: Callback) => {
    const cb = (typeof options === 'function' ? options : callback)!;
    const opts: dns.LookupOptions = typeof options === 'function' ? {} : typeof options === 'number' ? { family: options } : options;
    if (!isLocalhostName(hostname)) return original(hostname, opts, cb);
    if (opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
    else cb(null, '127.0.0.1', 4);
  };
  (dns as { lookup: unknown }).lookup = lookup;
}
