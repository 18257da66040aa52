// An Express middleware that lets a request through only with a DPoP-bound access token (RFC 9449 §7).
// The `htu` a proof must name is the configured public base URL plus the request's path, never built from
// the Host header (RFC 9700 §4.13).
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { generateKeyPair } from 'jose';
import {
  MemoryStore, OAuthError, createDpopProof, dpopChallenge, generateDpopKey, signJwtAccessToken,
  verifyJwtAccessToken, verifyResourceRequest, type AccessTokenClaims, type KeyValueStore,
} from '@koppelmij/core';

/** The middleware: on success the token's claims are in `res.locals.claims`. */
function requireDpop(publicBaseUrl: string, verifyAccessToken: (token: string) => Promise<AccessTokenClaims>, store: KeyValueStore): RequestHandler {
  return async (req, res, next) => {
    // every occurrence of a header: Node keeps only the first `Authorization` in `req.headers`
    const all = (name: string) => headerValues(req.rawHeaders, name);
    try {
      const { claims } = await verifyResourceRequest(
        { method: req.method, url: `${publicBaseUrl}${req.originalUrl}`, authorization: all('authorization'), dpop: all('dpop') },
        { verifyAccessToken, store },
      );
      res.locals.claims = claims;
      next();
    } catch (error) {
      if (!(error instanceof OAuthError)) return next(error);
      // RFC 9449 §7.1: the status, a DPoP challenge, and the RFC 6749 §5.2 body
      res.status(error.status).set('www-authenticate', dpopChallenge(error, { algs: ['ES256'] })).json(error.toJSON());
    }
  };
}

function headerValues(raw: readonly string[], name: string): string[] | undefined {
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!);
  return values.length > 0 ? values : undefined;
}

export async function main(): Promise<void> {
  const publicBaseUrl = 'https://rs.example'; // from configuration: what clients call, whatever proxy is in between
  const as = await generateKeyPair('ES256'); // the authorization server's key; a real RS fetches its JWKS
  const verifyAccessToken = (token: string) => verifyJwtAccessToken(token, { key: as.publicKey, issuer: 'https://as.example', audience: `${publicBaseUrl}/fhir` });

  const app = express();
  app.use('/fhir', requireDpop(publicBaseUrl, verifyAccessToken, new MemoryStore()));
  app.get('/fhir/Task/:id', (req, res) => {
    const claims = res.locals.claims as AccessTokenClaims;
    res.json({ resourceType: 'Task', id: req.params.id, for: { reference: `Patient/${String(claims.patient)}` } });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`; // not the public URL: only the path counts

  const client = await generateDpopKey();
  const now = Math.floor(Date.now() / 1000);
  const accessToken = await signJwtAccessToken(
    { iss: 'https://as.example', sub: 'pseudonym', aud: `${publicBaseUrl}/fhir`, client_id: 'module', iat: now, exp: now + 300, jti: 'at-1', patient: 'pat-1', cnf: { jkt: client.jkt } },
    { privateKey: as.privateKey, alg: 'ES256' },
  );
  const headers = { authorization: `DPoP ${accessToken}`, dpop: await createDpopProof({ key: client, htm: 'GET', htu: `${publicBaseUrl}/fhir/Task/123`, accessToken }) };

  try {
    const ok = await fetch(`${local}/fhir/Task/123`, { headers });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { for: { reference: string } }).for.reference, 'Patient/pat-1');

    const replay = await fetch(`${local}/fhir/Task/123`, { headers }); // the same proof again (RFC 9449 §11.1)
    assert.equal(replay.status, 401);
    assert.match(replay.headers.get('www-authenticate') ?? '', /^DPoP error="invalid_dpop_proof"/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}
