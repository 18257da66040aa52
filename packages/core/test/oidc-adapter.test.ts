import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore, RedisStore, createOidcAdapter, revokedGrantKey, type KeyValueStore } from '../src/store/index.ts';
import { redisUrlOrSkip, testPrefix } from './support/redis.ts';

class Conflict extends Error {}

function adapterContract(name: string, make: () => KeyValueStore) {
  describe(`oidc-provider adapter on ${name}`, () => {
    const store = make();
    const adapterFor = createOidcAdapter(store, { onConsumeConflict: () => new Conflict('already consumed') });
    afterAll(() => store.close());

    it('stores, finds and destroys records', async () => {
      const codes = adapterFor('AuthorizationCode');
      await codes.upsert('c1', { jti: 'c1', grantId: 'g1', exp: Math.floor(Date.now() / 1000) + 60 }, 60);
      expect(await codes.find('c1')).toMatchObject({ jti: 'c1', grantId: 'g1' });
      await codes.destroy('c1');
      expect(await codes.find('c1')).toBeUndefined();
    });

    it('marks a consumed record and reports it on find', async () => {
      const codes = adapterFor('AuthorizationCode');
      await codes.upsert('c2', { jti: 'c2', exp: Math.floor(Date.now() / 1000) + 60 }, 60);
      await codes.consume('c2');
      expect((await codes.find('c2'))?.consumed).toEqual(expect.any(Number));
    });

    it('of 50 concurrent consumes exactly one succeeds; the others get the conflict error and the grant is revoked', async () => {
      const codes = adapterFor('AuthorizationCode');
      await codes.upsert('race', { jti: 'race', grantId: 'g-race', exp: Math.floor(Date.now() / 1000) + 60 }, 60);
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => codes.consume('race')));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected).toHaveLength(49);
      for (const r of rejected) expect(r.reason).toBeInstanceOf(Conflict);
      expect(await store.get(revokedGrantKey('g-race'))).toBeDefined();
    });

    it('revokeByGrantId hides every grantable record of the grant, and only those', async () => {
      const at = adapterFor('RefreshToken');
      const other = adapterFor('Session');
      await at.upsert('rt1', { jti: 'rt1', grantId: 'g-revoke' }, 60);
      await at.upsert('rt2', { jti: 'rt2', grantId: 'g-keep' }, 60);
      await other.upsert('s1', { jti: 's1', uid: 'u1', grantId: 'g-revoke' }, 60);
      await at.revokeByGrantId('g-revoke');
      expect(await at.find('rt1')).toBeUndefined();
      expect(await at.find('rt2')).toBeDefined();
      expect(await other.find('s1')).toBeDefined(); // sessions are not grantable
    });

    it('finds a session by uid and forgets the index on destroy', async () => {
      const sessions = adapterFor('Session');
      await sessions.upsert('sess', { jti: 'sess', uid: 'uid-1' }, 60);
      expect(await sessions.findByUid('uid-1')).toMatchObject({ jti: 'sess' });
      await sessions.destroy('sess');
      expect(await sessions.findByUid('uid-1')).toBeUndefined();
    });

    it('makes ReplayDetection.unique atomic: of 50 concurrent finds exactly one sees "not found"', async () => {
      const replay = adapterFor('ReplayDetection');
      const results = await Promise.all(Array.from({ length: 50 }, () => replay.find('jti-hash')));
      expect(results.filter((r) => r === undefined)).toHaveLength(1);
      await replay.upsert('jti-hash', { jti: 'jti-hash', iss: 'client' }, 60);
      expect(await replay.find('jti-hash')).toMatchObject({ iss: 'client' });
    });

    it('keeps records that oidc-provider saves without an expiry', async () => {
      const grants = adapterFor('Grant');
      await grants.upsert('forever', { jti: 'forever' });
      expect(await grants.find('forever')).toBeDefined();
    });
  });
}

adapterContract('memory', () => new MemoryStore());

const redisUrl = await redisUrlOrSkip('oidc adapter on Redis');
describe.skipIf(!redisUrl)('redis', () => {
  adapterContract('redis', () => new RedisStore({ url: redisUrl!, prefix: testPrefix('oidc') }));
});
