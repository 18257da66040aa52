export { buildDigidMock } from './app.ts';
export { digidClientSchema, digidMockConfigSchema, type DigidClient, type DigidMockConfig } from './config.ts';
export { displayName, mandatorsOf, personByBsn, TEST_PERSONS, type Mandate, type TestPerson } from './persons.ts';
export { accountIdFor, CLAIMS_BY_SCOPE, claimsOf, principalOf, type Principal } from './accounts.ts';
