import { FormTokens } from '@koppelmij/service-kit';
import type { DvaAuth } from '../context.ts';

const byProvider = new WeakMap<object, FormTokens>();

/** The provider's cookie keys sign the interaction cookie; the form tokens derive from them (docs/decisions.md I56). */
function formTokens(dva: DvaAuth): FormTokens {
  let tokens = byProvider.get(dva.provider);
  if (!tokens) byProvider.set(dva.provider, (tokens = new FormTokens((dva.provider as unknown as { keys: string[] }).keys)));
  return tokens;
}

/** The anti-CSRF token of the forms of interaction `uid` (the consent screens). */
export const interactionFormToken = (dva: DvaAuth, uid: string): string => formTokens(dva).issue(`interaction:${uid}`);

/** True when the form `body` carries the token of interaction `uid`, the one this browser's interaction cookie names. */
export const hasInteractionFormToken = (dva: DvaAuth, uid: string, body: unknown): boolean => formTokens(dva).verify(`interaction:${uid}`, body);
