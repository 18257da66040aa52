/**
 * Option 3a-W token exchange, W7–W8 (docs/protocol.md §3.1.1), against the real DVA: the launch code and
 * what the exchange must refuse (docs/protocol.md §8 items 5–9; docs/security-checklists.md §2). The test is the PGO.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { TOKEN_TYPE, generateDpopKey } from '@koppelmij/core';
import { Browser } from '../support/browser.ts';
import {
  KOOS, MODULE, MODULE_SECRET, TOM, collectCode, collectToken, exchangeParams, launchCode, launchPrep, moduleAuthorize, post,
  startProtocolStack, travel, type LaunchPrep, type ProtocolStack,
} from '../support/protocol.ts';

/** The demo registrations, with return-URL origins that let each check of return-url.ts fail on its own. */
function registrationsFile(): string {
  const registrations = JSON.parse(readFileSync('deploy/demo/registrations.json', 'utf8')) as { pgos: Array<{ return_url_allowlist: string[] }> };
  registrations.pgos[0]!.return_url_allowlist.push('https://pgo.example.nl', 'http://pgo.example.nl');
  const path = join(mkdtempSync(join(tmpdir(), 'koppelmij-3a-')), 'registrations.json');
  writeFileSync(path, JSON.stringify(registrations));
  return path;
}

let t: ProtocolStack;
let tom: string;
let koos: string;
beforeAll(async () => {
  t = await startProtocolStack({ serviceEnv: { dvaAuth: { REGISTRATIONS_FILE: registrationsFile() } } });
  tom = (await collectToken(t, TOM)).access_token;
  koos = (await collectToken(t, KOOS)).access_token;
});
afterAll(() => t?.close());
afterEach(() => vi.useRealTimers());

const prepare = (subjectToken = tom, overrides: Record<string, string> = {}) => launchPrep(t, new Browser(), subjectToken, overrides);
/** W7 as the PGO after a fresh W1–W6, with the body changed by `overrides`. */
async function exchange(overrides: Record<string, string | string[] | undefined> = {}, options: { subjectToken?: string; prep?: LaunchPrep; as?: string } = {}) {
  const prep = options.prep ?? (await prepare());
  return post(t, '/token', exchangeParams(options.subjectToken ?? tom, prep, overrides), { ...(options.as && { as: options.as }) });
}
const refused = (error: string) => ({ status: 400, body: expect.objectContaining({ error }) });

describe('W8: the launch code', () => {
  it('is an opaque, single-use code of 180 s, not an access token (RFC 8693 §2.2.1)', async () => {
    const answer = await exchange(); // the PGO sends no DPoP proof: nothing is bound to a key (docs/decisions-protocol.md D9)
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), issued_token_type: TOKEN_TYPE.LAUNCH_CODE, token_type: 'N_A', expires_in: 180 });
    expect(answer.body).not.toHaveProperty('refresh_token');
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('is audited without token values (docs/security-checklists.md §2 (14))', async () => {
    const answer = await exchange();
    const [event] = await t.dvaAuth.dva.audit.recent(1);
    expect(event).toMatchObject({ type: 'token-exchange.launch-code', client_id: 'pgo-demo', audience: MODULE, resources: ['Task/task-3a'], outcome: 'success' });
    expect(JSON.stringify(event)).not.toContain(answer.body.access_token);
    expect(JSON.stringify(event)).not.toContain(tom);
  });

  it('accepts the Task as an absolute URL under the DVA FHIR base (docs/protocol.md §3.1.4 [impl])', async () => {
    expect((await exchange({ resource: `${t.urls.dvaFhir}/Task/task-3a` })).status).toBe(200);
  });
});

describe('docs/protocol.md §8 item 5: the launch-prep code (actor_token)', () => {
  it('refuses a code used twice', async () => {
    const prep = await prepare();
    expect((await exchange({}, { prep })).status).toBe(200);
    expect(await exchange({}, { prep })).toMatchObject(refused('invalid_request'));
  });

  it('refuses an expired code (60 s)', async () => {
    const prep = await prepare();
    travel(61);
    expect(await exchange({}, { prep })).toMatchObject(refused('invalid_request'));
  });

  it('refuses the exchange from a module client (unauthorized_client)', async () => {
    // with the DPoP proof its registration demands (docs/decisions.md I100), else invalid_dpop_proof comes first
    const proven = await post(t, '/token', exchangeParams(tom, await prepare()), { as: MODULE_SECRET, dpop: await generateDpopKey() });
    expect(proven).toMatchObject(refused('unauthorized_client'));
  });

  it('refuses a code issued to another client (a module\'s authorization code)', async () => {
    const browser = new Browser();
    const authorization = await moduleAuthorize(t, browser, await launchCode(t, browser, tom));
    expect(await exchange({}, { prep: { code: authorization.code!, verifier: authorization.verifier, browser } })).toMatchObject(refused('invalid_request'));
  });

  it('refuses a code of another flow of this client (a collect code)', async () => {
    const { code, verifier } = await collectCode(t, TOM);
    expect(await exchange({}, { prep: { code, verifier, browser: new Browser() } })).toMatchObject(refused('invalid_request'));
  });

  it('refuses a code prepared for another audience', async () => {
    expect(await exchange({ audience: MODULE_SECRET, resource: 'Task/task-3a-secret' })).toMatchObject(refused('invalid_request'));
  });

  it('refuses a code prepared for another person (the subject_token\'s sub differs)', async () => {
    expect(await exchange({ resource: 'Task/task-de-groot' }, { subjectToken: koos })).toMatchObject(refused('invalid_request'));
  });
});

describe('docs/protocol.md §8 item 6: PKCE', () => {
  it('refuses a code_verifier that does not match the PAR code_challenge', async () => {
    expect(await exchange({ code_verifier: 'a'.repeat(43) })).toMatchObject(refused('invalid_request'));
  });

  it('refuses an exchange without code_verifier', async () => {
    expect(await exchange({ code_verifier: undefined })).toMatchObject(refused('invalid_request'));
  });
});

describe('docs/protocol.md §8 item 7: grant and token types', () => {
  it('refuses an unsupported grant_type', async () => {
    expect(await exchange({ grant_type: 'urn:ietf:params:oauth:grant-type:saml2-bearer' })).toMatchObject(refused('unsupported_grant_type'));
  });

  it('refuses a requested_token_type other than the launch code', async () => {
    expect(await exchange({ requested_token_type: TOKEN_TYPE.REFRESH_TOKEN })).toMatchObject(refused('invalid_request'));
    expect(await exchange({ requested_token_type: TOKEN_TYPE.ACCESS_TOKEN })).toMatchObject(refused('invalid_request'));
  });

  it('refuses an actor_token_type other than the launch-authorization code', async () => {
    expect(await exchange({ actor_token_type: TOKEN_TYPE.JWT })).toMatchObject(refused('invalid_request'));
  });

  it('refuses a missing subject_token_type (RFC 8693 §2.1)', async () => {
    expect(await exchange({ subject_token_type: undefined })).toMatchObject(refused('invalid_request'));
  });

  it('refuses a back-channel exchange without actor_token when only par-cookie is enabled', async () => {
    expect(await exchange({ actor_token: undefined, actor_token_type: undefined, code_verifier: undefined })).toMatchObject(refused('invalid_request'));
  });
});

describe('docs/protocol.md §8 item 8: audience and resource (invalid_target)', () => {
  it('refuses another patient\'s Task', async () => {
    expect(await exchange({ resource: 'Task/task-de-groot' })).toMatchObject(refused('invalid_target'));
  });

  it('refuses a Task that does not exist, with the same answer', async () => {
    expect(await exchange({ resource: 'Task/no-such-task' })).toMatchObject({ status: 400, body: { error: 'invalid_target', error_description: 'resource is not accessible' } });
  });

  it.each(['task-3a', 'Task/', 'Task/task 3a', 'Task/task-3a/_history/1', 'Task/task-3a?x=1', 'task/task-3a'])('refuses the malformed reference %j', async (resource) => {
    expect(await exchange({ resource })).toMatchObject(refused('invalid_target'));
  });

  it('refuses a Patient resource (switch tokenExchange.patientResource = reject)', async () => {
    expect(await exchange({ resource: ['Task/task-3a', 'Patient/pat-van-duinen'] })).toMatchObject(refused('invalid_target'));
  });

  it('refuses a Task whose Endpoint client id is not the audience', async () => {
    expect(await exchange({ resource: 'Task/task-3a-secret' })).toMatchObject(refused('invalid_target'));
  });

  it('refuses a resource as an absolute URL under another FHIR base', async () => {
    expect(await exchange({ resource: 'https://fhir.elsewhere.example/fhir/Task/task-3a' })).toMatchObject(refused('invalid_target'));
  });

  it('refuses no Task, or two', async () => {
    expect(await exchange({ resource: undefined })).toMatchObject(refused('invalid_target'));
    expect(await exchange({ resource: ['Task/task-3a', 'Task/task-1'] })).toMatchObject(refused('invalid_target'));
  });

  it('refuses an audience that is not a registered module, and two audiences', async () => {
    expect(await exchange({ audience: 'pgo-demo' })).toMatchObject(refused('invalid_target'));
    expect(await exchange({ audience: [MODULE, MODULE_SECRET] })).toMatchObject(refused('invalid_target'));
  });
});

describe('docs/protocol.md §8 item 9: return_url (no open redirect)', () => {
  it('accepts an https URL under an allowlisted PGO origin', async () => {
    expect((await exchange({ return_url: 'https://pgo.example.nl/launch_callback?task_id=task-3a' })).status).toBe(200);
  });

  it('refuses a URL not on the allowlist', async () => {
    expect(await exchange({ return_url: 'https://evil.example/launch_callback' })).toMatchObject(refused('invalid_request'));
  });

  it('refuses plain http for a name that is not loopback, even when its origin is listed', async () => {
    expect(await exchange({ return_url: 'http://pgo.example.nl/launch_callback' })).toMatchObject(refused('invalid_request'));
  });

  it('refuses a URL with userinfo', async () => {
    expect(await exchange({ return_url: 'https://user:secret@pgo.example.nl/launch_callback' })).toMatchObject(refused('invalid_request'));
  });

  it('refuses what is no URL', async () => {
    expect(await exchange({ return_url: '/launch_callback' })).toMatchObject(refused('invalid_request'));
  });
});
