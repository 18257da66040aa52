import type { KeyValueStore } from './types.ts';

/**
 * The oidc-provider storage adapter on top of a {@link KeyValueStore}, typed structurally so
 * the core does not import oidc-provider. Give `createOidcAdapter(store)` to the provider's
 * `adapter` option.
 *
 * Where oidc-provider itself does find-then-save, this adapter makes the step atomic
 * (docs/decisions-protocol.md D12), so several provider instances sharing one Redis never both accept:
 * - `consume(id)` claims a consumed marker with set-if-absent. The loser gets the error from
 *   `onConsumeConflict` (give it `new errors.InvalidGrant(…)`), after the grant is revoked as
 *   RFC 6749 §4.1.2 asks for a reused code.
 * - `ReplayDetection.unique()` does `find` then `upsert`; here `find` *reserves* the id with
 *   set-if-absent, so of two concurrent `unique()` calls exactly one sees "not found".
 * - `revokeByGrantId` writes one revocation marker that `find` honours, instead of a
 *   read-modify-write index of the grant's tokens.
 */

export interface OidcAdapterPayload {
  jti?: string;
  grantId?: string;
  uid?: string;
  userCode?: string;
  exp?: number;
  consumed?: number;
  [claim: string]: unknown;
}

export interface OidcAdapter {
  upsert(id: string, payload: OidcAdapterPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<OidcAdapterPayload | undefined>;
  findByUid(uid: string): Promise<OidcAdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<OidcAdapterPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

export interface OidcAdapterOptions {
  /** The error thrown to the losing `consume` (e.g. oidc-provider's `errors.InvalidGrant`). */
  onConsumeConflict?: (model: string, id: string) => Error;
  /** Lifetime of records that oidc-provider saves without one, and of grant-revocation markers (s). */
  defaultTtl?: number;
  /** How long a `ReplayDetection` reservation lives before `upsert` sets the real expiry (s). */
  replayReservationTtl?: number;
}

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

const RESERVED = { reserved: true } as const;

/**
 * The store key of a grant's revocation marker. A resource server that shares the store checks
 * it for the `grant_id` claim of a JWT access token, so revocation reaches tokens that are not stored.
 */
export function revokedGrantKey(grantId: string): string {
  return `oidc:revoked-grant:${grantId}`;
}

export function createOidcAdapter(store: KeyValueStore, options: OidcAdapterOptions = {}): (model: string) => OidcAdapter {
  const defaultTtl = options.defaultTtl ?? 400 * 24 * 3600;
  const reservationTtl = options.replayReservationTtl ?? 600;
  const revokedGrant = revokedGrantKey;
  const now = () => Math.floor(Date.now() / 1000);

  return (model: string): OidcAdapter => {
    const key = (id: string) => `oidc:${model}:${id}`;
    const consumedKey = (id: string) => `oidc:${model}:consumed:${id}`;
    const ttlOf = (expiresIn?: number) => (typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : defaultTtl);

    const adapter: OidcAdapter = {
      async upsert(id, payload, expiresIn) {
        const ttl = ttlOf(expiresIn);
        if (model === 'Session' && payload.uid) await store.set(`oidc:sessionUid:${payload.uid}`, id, ttl);
        if (payload.userCode) await store.set(`oidc:userCode:${payload.userCode}`, id, ttl);
        await store.set(key(id), payload, ttl);
      },

      async find(id) {
        if (model === 'ReplayDetection') {
          // Atomic reserve: the caller that stores the reservation is told "not found".
          if (await store.setIfAbsent(key(id), RESERVED, reservationTtl)) return undefined;
          return (await store.get<OidcAdapterPayload>(key(id))) ?? { jti: id };
        }
        const payload = await store.get<OidcAdapterPayload>(key(id));
        if (!payload) return undefined;
        if (GRANTABLE.has(model) && payload.grantId && (await store.get(revokedGrant(payload.grantId)))) return undefined;
        const consumed = await store.get<number>(consumedKey(id));
        return consumed === undefined ? payload : { ...payload, consumed };
      },

      async findByUid(uid) {
        const id = await store.get<string>(`oidc:sessionUid:${uid}`);
        return id === undefined ? undefined : adapter.find(id);
      },

      async findByUserCode(userCode) {
        const id = await store.get<string>(`oidc:userCode:${userCode}`);
        return id === undefined ? undefined : adapter.find(id);
      },

      async consume(id) {
        const payload = await store.get<OidcAdapterPayload>(key(id));
        const ttl = payload?.exp ? Math.max(payload.exp - now(), 1) + 60 : defaultTtl;
        if (await store.setIfAbsent(consumedKey(id), now(), ttl)) return;
        // Someone consumed it between our caller's find and now: treat as reuse.
        if (payload?.grantId) await adapter.revokeByGrantId(payload.grantId);
        throw options.onConsumeConflict?.(model, id) ?? new Error(`${model} already consumed`);
      },

      async destroy(id) {
        const payload = await store.take<OidcAdapterPayload>(key(id));
        if (model === 'Session' && payload?.uid) await store.delete(`oidc:sessionUid:${payload.uid}`);
        if (payload?.userCode) await store.delete(`oidc:userCode:${payload.userCode}`);
      },

      async revokeByGrantId(grantId) {
        await store.set(revokedGrant(grantId), now(), defaultTtl);
      },
    };
    return adapter;
  };
}
