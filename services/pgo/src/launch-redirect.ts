/**
 * docs/protocol.md §3.1.1 W9: sending the browser to the module with `iss` and `launch`, the only values
 * that travel through the front channel (docs/protocol.md §8 item 26).
 */
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { html, raw } from '@koppelmij/service-kit';
import { renderPage } from './views.ts';

/**
 * `address` with `iss` and `launch` set through the URL API, so an address that already has a
 * query keeps it (docs/protocol.md §1.4 [impl]); an `iss` or `launch` already in the address is replaced:
 * the PGO's `iss` wins.
 */
export function moduleLaunchUrl(address: string, iss: string, launch: string): URL {
  const url = new URL(address);
  url.searchParams.set('iss', iss);
  url.searchParams.set('launch', launch);
  return url;
}

const AUTO_SUBMIT = 'document.forms[0].submit()';
// CSP Level 3 §8.4: the one inline script this page runs, allowed by its hash.
const AUTO_SUBMIT_HASH = `'sha256-${createHash('sha256').update(AUTO_SUBMIT).digest('base64')}'`;

/**
 * W9 as a `302` (the walkthrough), or as an auto-submitting POST form (`FORM_POST_REDIRECT`,
 * docs/protocol.md §3.1.1 W9), which keeps the launch code out of the URL, history and Referer.
 */
export function sendToModule(reply: FastifyReply, mode: '302' | 'form_post', address: string, iss: string, launch: string): FastifyReply {
  reply.header('cache-control', 'no-store');
  if (mode === '302') return reply.redirect(moduleLaunchUrl(address, iss, launch).href, 302);

  // In the body, not the action URL: the address keeps its own query, minus our two parameters.
  const action = new URL(address);
  action.searchParams.delete('iss');
  action.searchParams.delete('launch');
  const body = html`<p>De module wordt geopend…</p>
    <form method="post" action="${action.href}">
      <input type="hidden" name="iss" value="${iss}"><input type="hidden" name="launch" value="${launch}">
      <noscript><button type="submit">Verder naar de module</button></noscript>
    </form>
    <script>${raw(AUTO_SUBMIT)}</script>`;
  return reply
    .header('content-security-policy', `default-src 'none'; style-src 'unsafe-inline'; script-src ${AUTO_SUBMIT_HASH}; base-uri 'none'`)
    .type('text/html; charset=utf-8')
    .send(renderPage('De module wordt geopend', body));
}
