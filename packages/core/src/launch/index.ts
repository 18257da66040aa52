export * from './launch-codes.ts';
