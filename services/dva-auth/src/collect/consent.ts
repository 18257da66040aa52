import { parseSmartScope } from '@koppelmij/core';
import type { DvaAuth, GrantContext } from '../context.ts';

type Details = Awaited<ReturnType<DvaAuth['provider']['interactionDetails']>>;

/**
 * Records consent: an oidc-provider Grant with the scope the request asked for (the
 * registration's limits were enforced at /authorize, docs/protocol.md §8 item 15), and the DVA's own context
 * for it, which grants cannot carry (docs/oidc-provider-notes.md §2).
 */
export async function grantConsent(dva: DvaAuth, details: Details, accountId: string, context: GrantContext, ttl: number): Promise<string> {
  const clientId = String(details.params.client_id);
  const existing = details.grantId ? await dva.provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new dva.provider.Grant({ accountId, clientId });
  const requested = String(details.params.scope ?? '').split(' ').filter(Boolean);
  const resource = requested.filter((s) => parseSmartScope(s) !== undefined);
  const oidc = requested.filter((s) => parseSmartScope(s) === undefined);
  if (oidc.length) grant.addOIDCScope(oidc.join(' '));
  if (resource.length) grant.addResourceScope(dva.config.DVA_FHIR_URL, resource.join(' '));
  const grantId = await grant.save();
  await dva.grantContext.set(grantId, context, ttl);
  return grantId;
}
