export * from './constants.ts';
export * from './request.ts';
export * from './resource.ts';
export * from './act.ts';
export * from './response.ts';
