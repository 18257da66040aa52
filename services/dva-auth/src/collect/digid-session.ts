import type { DvaAuth } from '../context.ts';

type Details = Awaited<ReturnType<DvaAuth['provider']['interactionDetails']>>;

/**
 * A DigiD login for another person than the DVA session's (a representative who now acts for
 * someone else, docs/identity-check-reference.md; or another person at a shared browser) ends that session
 * first. oidc-provider never mixes two accounts in one session: it would answer the login with a
 * logout confirmation (a script-driven form post to `end_session`, which this DVA does not offer)
 * instead of finishing the authorization. This does what that confirmation would: the old session
 * is destroyed and the interaction forgets it, so the login resumes into a session of its own.
 */
export async function leaveOtherPersonsSession(dva: DvaAuth, details: Details, sub: string): Promise<void> {
  const session = details.session;
  if (!session?.accountId || session.accountId === sub) return;
  if (session.cookie) await dva.provider.Session.adapter.destroy(session.cookie);
  details.session = undefined;
  await details.save(Math.max(1, details.exp - Math.floor(Date.now() / 1000)));
}
