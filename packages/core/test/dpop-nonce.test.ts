/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9; docs/decisions-protocol.md D6) and RFC 9449 §4.3 (10).
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDpopProof, DpopNonces, generateDpopKey, verifyDpopProof, type DpopKey } from '../src/dpop/index.ts';
import { UseDpopNonce } from '../src/errors/index.ts';
import { MemoryStore } from '../src/store/index.ts';

const T = 1_750_000_020; // a multiple of 60: the start of a step
const secret = randomBytes(32);

describe('DpopNonces', () => {
  it('two instances with one secret accept each other’s nonces', () => {
    const a = new DpopNonces({ secret, clock: () => T });
    const b = new DpopNonces({ secret: Uint8Array.from(secret), clock: () => T + 30 });
    expect(a.current()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(b.current()).toBe(a.current());
    expect(b.isValid(a.current())).toBe(true);
    expect(a.isValid(b.current())).toBe(true);
  });

  it('an instance with another secret rejects them', () => {
    const a = new DpopNonces({ secret, clock: () => T });
    const c = new DpopNonces({ secret: randomBytes(32), clock: () => T });
    expect(c.current()).not.toBe(a.current());
    expect(c.isValid(a.current())).toBe(false);
  });

  it('a nonce is accepted for `accept` steps and rejected after', () => {
    let now = T;
    const nonces = new DpopNonces({ secret, step: 60, accept: 2, clock: () => now });
    const issued = nonces.current();
    now = T + 2 * 60 + 59; // still two steps later
    expect(nonces.isValid(issued)).toBe(true);
    expect(nonces.current()).not.toBe(issued);
    now = T + 3 * 60; // three steps later
    expect(nonces.isValid(issued)).toBe(false);
  });

  it('a nonce from more than `accept` steps ahead (a clock far off) is rejected', () => {
    const nonces = new DpopNonces({ secret, clock: () => T });
    expect(nonces.isValid(new DpopNonces({ secret, clock: () => T + 2 * 60 }).current())).toBe(true);
    expect(nonces.isValid(new DpopNonces({ secret, clock: () => T + 3 * 60 }).current())).toBe(false);
  });

  it('rejects what it never issued', () => {
    const nonces = new DpopNonces({ secret, clock: () => T });
    expect(nonces.isValid('')).toBe(false);
    expect(nonces.isValid(`${nonces.current()}x`)).toBe(false);
  });

  it('refuses a secret shorter than 32 bytes, and a bad step or accept', () => {
    expect(() => new DpopNonces({ secret: randomBytes(31) })).toThrow(RangeError);
    expect(() => new DpopNonces({ secret, step: 0 })).toThrow(RangeError);
    expect(() => new DpopNonces({ secret, accept: -1 })).toThrow(RangeError);
  });
});

describe('RFC 9449 §4.3 (10) nonce', () => {
  const HTU = 'https://as.example.nl/token';
  let key: DpopKey;
  beforeAll(async () => {
    key = await generateDpopKey();
  });
  const verify = (proof: string, nonces: DpopNonces, context?: 'as' | 'rs') =>
    verifyDpopProof(proof, { htm: 'POST', htu: HTU, store: new MemoryStore(), clock: () => T, nonces, context });

  async function expectUseNonce(promise: Promise<unknown>, nonces: DpopNonces, status: number): Promise<string> {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UseDpopNonce);
    expect(error).toMatchObject({ error: 'use_dpop_nonce', status, dpopNonce: nonces.current() });
    return (error as UseDpopNonce).dpopNonce!;
  }

  it('a proof without nonce gets use_dpop_nonce (400) with a fresh nonce, which then works', async () => {
    const nonces = new DpopNonces({ secret, clock: () => T });
    const first = await createDpopProof({ key, htm: 'POST', htu: HTU, iat: T });
    const nonce = await expectUseNonce(verify(first, nonces), nonces, 400);
    const retry = await createDpopProof({ key, htm: 'POST', htu: HTU, iat: T, nonce });
    await expect(verify(retry, nonces)).resolves.toMatchObject({ nonce, jkt: key.jkt });
  });

  it('a stale nonce gets use_dpop_nonce', async () => {
    const nonces = new DpopNonces({ secret, clock: () => T });
    const old = new DpopNonces({ secret, clock: () => T - 3 * 60 }).current();
    await expectUseNonce(verify(await createDpopProof({ key, htm: 'POST', htu: HTU, iat: T, nonce: old }), nonces), nonces, 400);
  });

  it('a nonce from a server with another secret gets use_dpop_nonce', async () => {
    const nonces = new DpopNonces({ secret, clock: () => T });
    const foreign = new DpopNonces({ secret: randomBytes(32), clock: () => T }).current();
    await expectUseNonce(verify(await createDpopProof({ key, htm: 'POST', htu: HTU, iat: T, nonce: foreign }), nonces), nonces, 400);
  });

  it('at a resource server use_dpop_nonce is a 401 (RFC 9449 §9)', async () => {
    const nonces = new DpopNonces({ secret, clock: () => T });
    await expectUseNonce(verify(await createDpopProof({ key, htm: 'POST', htu: HTU, iat: T }), nonces, 'rs'), nonces, 401);
  });
});
