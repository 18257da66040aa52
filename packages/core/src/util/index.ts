export * from './random.ts';
export * from './clock.ts';
export * from './freeze.ts';
