export * from './bsn.ts';
export * from './names.ts';
export * from './match.ts';
