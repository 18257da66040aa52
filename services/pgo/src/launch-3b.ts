/**
 * Starting a module with option 3b (archived; docs/protocol.md §3.5, docs/option-3b.md): after W0 the PGO
 * sends the browser to the DVA's `/launch-module` (step 4) with the module and a launch context;
 * the DVA does the rest (steps 5–7). The context is a short JWT the PGO signs with the key of
 * its `private_key_jwt` registration, so the DVA knows the PGO asked for exactly this launch.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { SignJWT } from 'jose';
import { randomToken } from '@koppelmij/core';
import { html, raw } from '@koppelmij/service-kit';
import type { PgoContext } from './context.ts';
import type { LaunchStart, PreparedLaunch } from './launch-code.ts';
import { returnUrl } from './return.ts';
import { renderPage } from './views.ts';

/** RFC 8725 §3.11: the context's own `typ`, so no other JWT of this key can stand in for it. */
export const LAUNCH_CONTEXT_TYP = 'koppelmij-launch-context+jwt';
/** Lifetime of a context: one redirect (the DVA refuses one older than 120 s). */
const CONTEXT_TTL = 60;

/** The signed launch context (docs/option-3b.md "The context"). */
export async function launchContext(ctx: PgoContext, launch: PreparedLaunch, patient: string): Promise<string> {
  const { signingKey, config } = ctx;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ module: launch.audience, task: `Task/${launch.taskId}`, patient, return_url: returnUrl(ctx, launch.bsn, launch.taskId) })
    .setProtectedHeader({ alg: signingKey.alg, kid: signingKey.kid, typ: LAUNCH_CONTEXT_TYP })
    .setIssuer(config.clientId)
    .setAudience(config.dvaAuthUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + CONTEXT_TTL)
    .setJti(randomToken())
    .sign(signingKey.privateKey);
}

const AUTO_SUBMIT = 'document.forms[0].submit()';
// CSP Level 3 §8.4: the one inline script this page runs, allowed by its hash.
const AUTO_SUBMIT_HASH = `'sha256-${createHash('sha256').update(AUTO_SUBMIT).digest('base64')}'`;

/**
 * Step 4: `302 {DVA}/launch-module?module&context`, or the same as an auto-submitting form POST
 * (`LAUNCH_REDIRECT=form_post`, docs/protocol.md §7.4 `launch.redirectMode`). Only the module id and the
 * signed context travel through the browser, never a token (docs/protocol.md §8 item 26).
 */
export async function startOption3b(ctx: PgoContext, reply: FastifyReply, { launch, collect }: LaunchStart): Promise<FastifyReply> {
  const params = { module: launch.audience, context: await launchContext(ctx, launch, collect.patient) };
  const endpoint = `${ctx.config.dvaAuthUrl}/launch-module`;
  reply.header('cache-control', 'no-store');
  if (ctx.config.launchRedirect === '302') return reply.redirect(`${endpoint}?${new URLSearchParams(params)}`, 302);
  const body = html`<p>De module wordt geopend bij uw zorgaanbieder…</p>
    <form method="post" action="${endpoint}">
      <input type="hidden" name="module" value="${params.module}"><input type="hidden" name="context" value="${params.context}">
      <noscript><button type="submit" data-testid="launch-module-continue">Continue to your care provider</button></noscript>
    </form>
    <script>${raw(AUTO_SUBMIT)}</script>`;
  return reply
    .header('content-security-policy', `default-src 'none'; style-src 'unsafe-inline'; script-src ${AUTO_SUBMIT_HASH}; base-uri 'none'`)
    .type('text/html; charset=utf-8')
    .send(renderPage('De module wordt geopend', body));
}
