import { advertisedSupport, type AdvertisedSupport, type ClientAuthMethod } from '@koppelmij/core/smart';
import type { Registrations } from './registrations.ts';

/**
 * The client-authentication methods the DVA's clients are registered with: its PGOs and every
 * module but those of level PS, which are clients of the PGO only (docs/protocol.md §5). What the DVA
 * enables and advertises, exactly (docs/decisions.md I102).
 */
export function dvaClientAuthMethods(registrations: Registrations): ClientAuthMethod[] {
  const clients = [...registrations.pgos, ...registrations.modules.filter((m) => m.integration_level !== 'PS')];
  return [...new Set(clients.map((c) => c.token_endpoint_auth_method))];
}

/** core {@link advertisedSupport} for the DVA of these registrations: one source for its provider and its discovery documents. */
export function dvaAdvertisedSupport(registrations: Registrations): AdvertisedSupport {
  return advertisedSupport(dvaClientAuthMethods(registrations));
}
