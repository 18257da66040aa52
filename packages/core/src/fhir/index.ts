/** FHIR grammar shared by every service: logical ids and relative references (FHIR R4). */
export * from './id.ts';
