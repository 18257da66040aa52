import type { KoaContextWithOIDC } from 'oidc-provider';
import { DPOP_ERRORS, InvalidDpopProof } from '@koppelmij/core';

/**
 * RFC 9449 §5.2 `dpop_bound_access_tokens`: the authorization server MUST reject a token request
 * of such a client that carries no DPoP header. Every token request of it is refused alike with
 * `invalid_dpop_proof` (docs/decisions.md I100), the built-in grants included.
 */
export function dpopProofMissing(ctx: KoaContextWithOIDC): boolean {
  const client = ctx.oidc.client as { dpopBoundAccessTokens?: boolean } | undefined;
  return client?.dpopBoundAccessTokens === true && !ctx.get('dpop');
}

/** For the custom grants, which oidc-provider leaves without DPoP processing (docs/oidc-provider-notes.md §4): before anything is spent. */
export function requireDpopProof(ctx: KoaContextWithOIDC): void {
  if (dpopProofMissing(ctx)) throw new InvalidDpopProof(DPOP_ERRORS.missing);
}

/**
 * The built-in grants refuse such a request themselves, as `invalid_grant` ("grant request is
 * invalid"); the answer is made precise here, in the token route's post-middleware.
 */
export function namedDpopRefusal(ctx: KoaContextWithOIDC): void {
  const body = ctx.body as { error?: unknown } | undefined;
  if (ctx.status !== 400 || body?.error !== 'invalid_grant' || !dpopProofMissing(ctx)) return;
  ctx.body = new InvalidDpopProof(DPOP_ERRORS.missing).toJSON();
}
