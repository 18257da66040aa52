/**
 * RFC 7009 for the PGO's own access tokens (level PS): terugkeer step 2 (docs/protocol.md §4.6) with the PGO as
 * the module's authorization server. oidc-provider's revocation endpoint authenticates the module
 * (RFC 7009 §2.1), then refuses every JWT (`unsupported_token_type`); these tokens are JWTs the PGO
 * signs itself (launch.ts), so this post-middleware (docs/oidc-provider-notes.md §2) answers such a request instead: it
 * marks the token's `jti` revoked until it expires, and the FHIR facade refuses it from then on.
 *
 * As oidc-provider does for its own tokens, a token that is not one of these, or that was issued to
 * another client, is left alone with the same 200 (RFC 7009 §2.2): the endpoint tells no one which
 * tokens exist.
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import { systemClock } from '@koppelmij/core';
import type { FhirFacadeOptions } from './fhir-facade.ts';
import { verifyPgoAccessToken } from './launch.ts';
import { PgoDomainStore } from './store.ts';

/** Answers a revocation request that oidc-provider refused as a JWT (service-kit's `refusedAsJwt`). */
export async function revokePgoAccessToken(kctx: KoaContextWithOIDC, options: FhirFacadeOptions): Promise<void> {
  // RFC 7009 §2.2: 200 also for a token that is invalid or not this client's
  kctx.status = 200;
  kctx.body = '';
  const token = kctx.oidc.params?.token;
  if (typeof token !== 'string') return;
  const claims = await verifyPgoAccessToken(token, options).catch(() => undefined);
  // RFC 7009 §2.1: only the client the token was issued to may revoke it
  if (claims === undefined || claims.client_id !== kctx.oidc.client?.clientId) return;
  // kept one second past `exp`, the last moment the facade could still accept the token
  await new PgoDomainStore(options.store).revokeAccessToken(claims.jti, claims.exp - systemClock() + 1);
}
