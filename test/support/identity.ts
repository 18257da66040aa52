/**
 * Representation and the identity check (docs/identity-check-reference.md) in the scripted browser: the demo's
 * representative Anna, the persons who mandated her, and a PGO store that remembers everything
 * ever written to it, so a test can prove that nothing of another person was kept.
 */
import { expect } from 'vitest';
import { MemoryStore, tupleKey, verifyJwtAccessToken, type AccessTokenClaims } from '@koppelmij/core';
import { pseudonym } from '@koppelmij/dva-auth';
import type { Stack } from '../../scripts/stack.ts';
import { hasTestId, type Browser, type Page } from './browser.ts';

/** The representative: mandates from Sanne and Pieter at DigiD; the PGO lets her open Sanne's dossier. */
export const ANNA = '999990019';
/** Represented by Anna; has an account (and so a dossier) at the PGO. Patient pat-van-dijk, Task task-van-dijk. */
export const SANNE = '999990044';
/** Represented by Anna at DigiD, no account at the PGO. Patient pat-ter-horst, Task task-ter-horst. */
export const PIETER = '999990056';
/** The DVA's record pat-bakker has no birth date (docs/identity-check-reference.md §5.1). */
export const BAKKER = '999990081';

/** Everything of Pieter that could reach a PGO: his FHIR ids, name and birth date. */
export const PIETER_TRACES = ['pat-ter-horst', 'task-ter-horst', 'ter Horst', 'Pieter', '1938-01-19', PIETER];

/** The dva-auth default `PSEUDONYM_SECRET` of the stack. */
export const subOf = (bsn: string): string => pseudonym('demo-pseudonym-secret-change-me', bsn);

/** A MemoryStore that also keeps every value ever written, deleted or not. */
export class RecordingStore extends MemoryStore {
  readonly written: string[] = [];

  override async set<T>(key: string, value: T, ttlSeconds: number): Promise<void> {
    this.written.push(`${key} ${JSON.stringify(value)}`);
    return super.set(key, value, ttlSeconds);
  }

  override async setIfAbsent<T>(key: string, value: T, ttlSeconds: number): Promise<boolean> {
    this.written.push(`${key} ${JSON.stringify(value)}`);
    return super.setIfAbsent(key, value, ttlSeconds);
  }

  /**
   * Every written value that contains one of `traces`, with the DVA's access tokens in it verified
   * and read first (their claims are base64url, which a plain search would miss).
   */
  async tracesOf(stack: Stack, traces: readonly string[]): Promise<string[]> {
    const entries = await Promise.all(this.written.map((entry) => readTokens(stack, entry)));
    return entries.filter((entry) => traces.some((t) => entry.includes(t)));
  }

  /** The collect token the PGO keeps for the dossier `bsn` (dossier-store.ts). */
  async collectToken(bsn: string): Promise<string> {
    const stored = await this.get<{ accessToken: string }>(tupleKey('pgo:dva-tokens', bsn));
    expect(stored).toBeDefined();
    return stored!.accessToken;
  }

  async dossierData(bsn: string): Promise<{ tasks: Array<{ id: string }> } | undefined> {
    return this.get(tupleKey('pgo:dossier', bsn));
  }
}

/** An access token of the stack's DVA, verified (RFC 9068 §4). */
export function dvaClaims(stack: Stack, token: string): Promise<AccessTokenClaims> {
  return verifyJwtAccessToken(token, { key: stack.dvaAuth.dva.signingKey.publicKey, issuer: stack.urls.dvaAuth, audience: stack.urls.dvaFhir });
}

async function readTokens(stack: Stack, entry: string): Promise<string> {
  let out = entry;
  for (const jwt of entry.match(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g) ?? []) {
    const claims = await dvaClaims(stack, jwt).catch(() => undefined);
    expect(claims, 'every JWT the PGO keeps is one of the DVA\'s access tokens').toBeDefined();
    out = out.replace(jwt, JSON.stringify(claims));
  }
  return out;
}

/** DigiD's login page: log in as `bsn`; for a representative, choose `represent` (`self` or a BSN). */
export async function digid(stack: Stack, browser: Browser, page: Page, bsn: string, represent?: string): Promise<Page> {
  expect(new URL(page.url).origin).toBe(stack.urls.digid);
  const next = await browser.submit(page, 'digid-login', { bsn });
  if (represent === undefined) return next;
  return browser.submit(next, `digid-represent-${represent}`);
}

/** Logs in at the PGO as `bsn` (Anna as herself) and returns the PGO's start page. */
export async function pgoLogin(stack: Stack, browser: Browser, bsn: string, represent?: string): Promise<Page> {
  const start = await browser.navigate(stack.urls.pgo);
  return digid(stack, browser, await browser.submit(start, 'pgo-login'), bsn, represent);
}

export const openDossier = (stack: Stack, browser: Browser, bsn: string): Promise<Page> => browser.navigate(`${stack.urls.pgo}/dossier/${bsn}`);

/**
 * Collect in the open dossier: DigiD as `digidBsn` (acting for `represent`), the DVA's consent,
 * and back at the PGO: the page the PGO shows then.
 */
export async function collectAs(stack: Stack, browser: Browser, dossier: Page, digidBsn: string, represent?: string): Promise<Page> {
  const consent = await digid(stack, browser, await browser.submit(dossier, 'collect'), digidBsn, represent);
  expect(new URL(consent.url).origin).toBe(stack.urls.dvaAuth);
  const back = await browser.submit(consent, 'consent-approve');
  expect(new URL(back.url).origin).toBe(stack.urls.pgo);
  return back;
}

/** The DVA's audit events (both halves share one trail) that `action` caused, oldest first. */
export async function auditOf(stack: Stack, action: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const before = (await stack.dvaStore.get<number>('audit:seq')) ?? 0;
  await action();
  const after = (await stack.dvaStore.get<number>('audit:seq')) ?? 0;
  const events = [];
  for (let i = before + 1; i <= after; i++) events.push((await stack.dvaStore.get<Record<string, unknown>>(`audit:event:${i}`))!);
  return events;
}

/** The page's text: tags dropped, whitespace collapsed. */
export const pageText = (page: Page): string => page.body.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

export { hasTestId };
