/**
 * A test-local fake of the DVA (authorization server + FHIR server), only to exercise the
 * module's own checks in isolation. It verifies what the module sends with the real core
 * verifiers (client assertions, DPoP proofs with `ath` and nonces, PKCE) and records every
 * request. The real end-to-end flow against dva-auth and dva-fhir lives in the repository's test/.
 */
import fastifyFormbody from '@fastify/formbody';
import Fastify from 'fastify';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';
import { MemoryStore, OAuthError, InvalidClient, InvalidGrant, InvalidToken, randomToken, sha256b64url } from '@koppelmij/core';
import { verifyClientAssertion } from '@koppelmij/core/client-auth';
import { DpopNonces, presentedToken, verifyDpopProof } from '@koppelmij/core/dpop';
import { endKeepAliveOnClose, sendOAuthError } from '@koppelmij/service-kit';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

interface IssuedCode {
  client_id: string;
  redirect_uri: string;
  code_challenge: string;
  scope: string;
  nonce?: string;
}

export interface FakeDvaOptions {
  /** The module's public keys (its `/jwks`), for private_key_jwt. */
  moduleJwks: () => Promise<JSONWebKeySet>;
  /** client_id → secret, for client_secret_basic. */
  secrets: Readonly<Record<string, string>>;
  /** Demand DPoP nonces at the token endpoint (RFC 9449 §8) and the FHIR server (§9). */
  nonces?: boolean;
}

export const RETURN_URL = 'http://pgo.localhost:4000/launch_callback?task_id=t1';

export type FakeDva = Awaited<ReturnType<typeof startFakeDva>>;

export async function startFakeDva(options: FakeDvaOptions) {
  // two servers on two origins, as in a deployment: the authorization server and the FHIR server
  const app = await server();
  const fhir = await server();
  const store = new MemoryStore();
  const asNonces = options.nonces ? new DpopNonces({ secret: new Uint8Array(32).fill(7) }) : undefined;
  const rsNonces = options.nonces ? new DpopNonces({ secret: new Uint8Array(32).fill(9) }) : undefined;
  const asKey = await generateKeyPair('ES256');
  const asJwk: JWK = { ...(await exportJWK(asKey.publicKey)), kid: 'as-1', alg: 'ES256', use: 'sig' };
  const codes = new Map<string, IssuedCode>();
  const tokens = new Map<string, { jkt: string; client_id: string }>();
  const refreshGrants = new Map<string, { jkt: string; client_id: string }>();

  const fake = {
    /** The authorization server's origin (its issuer). */
    base: '',
    /** The FHIR server's origin, and its FHIR base (the `iss`). */
    fhirOrigin: '',
    fhirBase: '',
    requests: [] as RecordedRequest[],
    /** Changes the SMART configuration before it is sent. */
    smartConfiguration: (document: Record<string, unknown>): Record<string, unknown> => document,
    /** Changes the token response before it is sent. */
    tokenBody: (body: Record<string, unknown>): Record<string, unknown> => body,
    /** Changes the refresh-grant token response before it is sent. */
    refreshBody: (body: Record<string, unknown>): Record<string, unknown> => body,
    /** Changes the id_token claims, or signs with another key. */
    idToken: { claims: (c: JWTPayload): JWTPayload => c, key: asKey.privateKey as CryptoKey },
    /** Fails FHIR interactions, e.g. `{ 'POST Observation': 500 }`. */
    fhirFailures: {} as Record<string, number>,
    task: { resourceType: 'Task', id: 't1', status: 'requested', description: 'Meet uw bloeddruk', for: { reference: 'Patient/p1' } },
    patient: { resourceType: 'Patient', id: 'p1', name: [{ given: ['Jan'], family: 'Jansen' }] } as Record<string, unknown>,
    issuedTokens: [] as string[],
    /** What the authorization endpoint would do after login and consent: issue a code bound to the request. */
    authorize(location: string): string {
      const p = new URL(location).searchParams;
      const code = randomToken();
      const nonce = p.get('nonce');
      codes.set(code, {
        client_id: p.get('client_id')!,
        redirect_uri: p.get('redirect_uri')!,
        code_challenge: p.get('code_challenge')!,
        scope: p.get('scope')!,
        ...(nonce !== null && { nonce }),
      });
      return code;
    },
    requestsTo(path: string): RecordedRequest[] {
      return fake.requests.filter((r) => r.path.split('?')[0] === path);
    },
    close: async () => {
      await app.close();
      await fhir.close();
    },
  };

  async function server() {
    const s = Fastify();
    endKeepAliveOnClose(s);
    await s.register(fastifyFormbody);
    s.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch (error) {
        done(error as Error);
      }
    });
    s.addHook('preHandler', async (request) => {
      fake.requests.push({ method: request.method, path: request.url, headers: request.headers, body: request.body });
    });
    s.setErrorHandler((error, request, reply) => {
      if (error instanceof OAuthError) return sendOAuthError(reply, error, request.url.startsWith('/fhir') ? ['ES256'] : undefined);
      return reply.code(500).send({ error: 'server_error' });
    });
    return s;
  }

  fhir.get('/fhir/.well-known/smart-configuration', async () => fake.smartConfiguration({
    issuer: fake.base,
    jwks_uri: `${fake.base}/jwks`,
    authorization_endpoint: `${fake.base}/authorize`,
    token_endpoint: `${fake.base}/token`,
    revocation_endpoint: `${fake.base}/revoke`,
    code_challenge_methods_supported: ['S256'],
    capabilities: ['launch-ehr', 'context-ehr-patient', 'sso-openid-connect'],
    authorization_response_iss_parameter_supported: true, // RFC 9207 §3
  }));
  app.get('/jwks', async () => ({ keys: [asJwk] }));

  // RFC 6749 §2.3: the module's client authentication, with the real core verifier for private_key_jwt
  async function authenticate(headers: Record<string, unknown>, body: Record<string, string>): Promise<string> {
    const basic = typeof headers.authorization === 'string' && /^Basic (.+)$/.exec(headers.authorization)?.[1];
    if (basic) {
      const [id, secret] = Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent);
      if (id === undefined || options.secrets[id] !== secret) throw new InvalidClient('bad secret');
      return id;
    }
    const assertion = body.client_assertion ?? '';
    const clientId = String(decodeJwt(assertion).iss);
    await verifyClientAssertion(assertion, {
      client: { client_id: clientId, jwks: (await options.moduleJwks()) as { keys: JWK[] } },
      formClientId: body.client_id,
      clientAssertionType: body.client_assertion_type,
      audiences: [fake.base, `${fake.base}/token`],
      store,
    });
    return clientId;
  }

  app.post('/token', async (request) => {
    const body = request.body as Record<string, string>;
    // client authentication first (as oidc-provider does): it spends the assertion's jti before any nonce challenge
    const clientId = await authenticate(request.headers, body);
    const proof = await verifyDpopProof(request.headers.dpop, { htm: 'POST', htu: `${fake.base}/token`, store, ...(asNonces && { nonces: asNonces }) });
    if (body.grant_type === 'refresh_token') {
      // RFC 6749 §6, RFC 9449 §5: a new access token bound to the proof key, the refresh token rotated
      const grant = refreshGrants.get(body.refresh_token ?? '');
      refreshGrants.delete(body.refresh_token ?? '');
      if (!grant || grant.client_id !== clientId || grant.jkt !== proof.jkt) throw new InvalidGrant('bad refresh_token');
      const access_token = `at-${randomToken()}`;
      const refresh_token = `rt-${randomToken()}`;
      tokens.set(access_token, { jkt: proof.jkt, client_id: clientId });
      refreshGrants.set(refresh_token, grant);
      fake.issuedTokens.push(access_token, refresh_token);
      return fake.refreshBody({ access_token, token_type: 'DPoP', expires_in: 900, refresh_token });
    }
    const issued = codes.get(body.code ?? '');
    codes.delete(body.code ?? '');
    if (body.grant_type !== 'authorization_code' || !issued || issued.client_id !== clientId) throw new InvalidGrant('bad code');
    if (issued.redirect_uri !== body.redirect_uri) throw new InvalidGrant('bad redirect_uri');
    if (sha256b64url(body.code_verifier ?? '') !== issued.code_challenge) throw new InvalidGrant('bad code_verifier'); // RFC 7636 §4.6
    const access_token = `at-${randomToken()}`;
    tokens.set(access_token, { jkt: proof.jkt, client_id: clientId });
    const response: Record<string, unknown> = {
      access_token,
      token_type: 'DPoP',
      expires_in: 900,
      scope: issued.scope,
      patient: 'p1',
      fhirContext: [{ reference: 'Task/t1' }],
      return_url: RETURN_URL,
    };
    if (issued.scope.split(' ').includes('offline_access')) {
      response.refresh_token = `rt-${randomToken()}`;
      refreshGrants.set(response.refresh_token as string, { jkt: proof.jkt, client_id: clientId });
    }
    if (issued.scope.split(' ').includes('openid')) {
      const now = Math.floor(Date.now() / 1000);
      const claims = fake.idToken.claims({ iss: fake.base, aud: clientId, sub: 'pseudonym-1', iat: now, exp: now + 300, nonce: issued.nonce, fhirUser: 'Patient/p1' });
      response.id_token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'as-1' }).sign(fake.idToken.key);
    }
    const sent = fake.tokenBody(response);
    fake.issuedTokens.push(...['access_token', 'refresh_token', 'id_token'].map((k) => sent[k]).filter((v): v is string => typeof v === 'string'));
    return sent;
  });

  app.post('/revoke', async (request, reply) => {
    await authenticate(request.headers, request.body as Record<string, string>);
    tokens.delete((request.body as Record<string, string>).token ?? '');
    return reply.code(200).send();
  });

  // RFC 9449 §7.1: a DPoP-bound token with a proof carrying `ath`, bound to the token's key
  fhir.addHook('preHandler', async (request) => {
    if (request.url.includes('.well-known')) return;
    const { scheme, token } = presentedToken(request.headers.authorization);
    const bound = tokens.get(token);
    if (scheme !== 'DPoP' || !bound) throw new InvalidToken('unknown token');
    await verifyDpopProof(request.headers.dpop, {
      htm: request.method,
      htu: `${fake.fhirOrigin}${request.url}`,
      accessToken: token,
      expectedJkt: bound.jkt,
      store,
      context: 'rs',
      ...(rsNonces && { nonces: rsNonces }),
    });
  });
  const fail = (key: string) => fake.fhirFailures[key];
  fhir.get('/fhir/Patient/:id', async (request, reply) =>
    (request.params as { id: string }).id === fake.patient.id ? fake.patient : reply.code(404).send({ resourceType: 'OperationOutcome' }),
  );
  fhir.get('/fhir/Task/:id', async (_request, reply) => fail('GET Task') ? reply.code(fail('GET Task')!).send({}) : fake.task);
  fhir.patch('/fhir/Task/:id', async (request, reply) => {
    if (fail('PATCH Task')) return reply.code(fail('PATCH Task')!).send({});
    const parameter = (request.body as { parameter: Array<{ part: Array<{ name: string; valueCode?: string }> }> }).parameter;
    const status = parameter[0]?.part.find((p) => p.name === 'value')?.valueCode;
    if (status) fake.task = { ...fake.task, status };
    return fake.task;
  });
  for (const type of ['Observation', 'QuestionnaireResponse']) {
    fhir.post(`/fhir/${type}`, async (request, reply) => {
      if (fail(`POST ${type}`)) return reply.code(fail(`POST ${type}`)!).send({});
      const id = `${type.toLowerCase()}-1`;
      return reply.code(201).header('location', `${fake.fhirBase}/${type}/${id}/_history/1`).send({ ...(request.body as object), id });
    });
  }

  fake.base = await listen(app);
  fake.fhirOrigin = await listen(fhir);
  fake.fhirBase = `${fake.fhirOrigin}/fhir`;
  return fake;
}

async function listen(app: ReturnType<typeof Fastify>): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}
