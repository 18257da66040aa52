export * from './launch-codes.ts';
export * from './presented.ts';
