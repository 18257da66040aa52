export * from './random.ts';
export * from './clock.ts';
