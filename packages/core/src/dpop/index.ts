/**
 * DPoP (RFC 9449): create and verify proofs, server nonces, and the resource-server check of
 * DPoP-bound access tokens.
 */
export { DPOP_ALGORITHMS, type DpopAlgorithm } from './algorithms.ts';
export { dpopKeyFromJwk, generateDpopKey, jwkThumbprint, type DpopKey } from './key.ts';
export { createDpopProof, type CreateDpopProofOptions } from './proof.ts';
export { normalizeHtu } from './htu.ts';
export { DpopNonces, type DpopNoncesOptions } from './nonce.ts';
export { DPOP_ERRORS } from './proof-checks.ts';
export { verifyDpopProof, type VerifiedDpopProof, type VerifyDpopProofOptions } from './verify.ts';
export { MissingCredentials, dpopChallenge, presentedToken, type PresentedToken } from './authorization.ts';
export {
  verifyResourceRequest,
  type ResourceRequest,
  type VerifiedResourceRequest,
  type VerifyResourceRequestOptions,
} from './resource.ts';
export {
  DpopClient, DpopNonceMemory,
  type DpopClientOptions, type DpopFetch, type DpopFetchOptions, type DpopRequestInit,
} from './client.ts';
export { assertionBindsProof, readCnfJkt, type CnfJkt } from './cnf.ts';
