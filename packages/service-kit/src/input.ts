import type { z } from 'zod';

/** Input that does not match a route's schema: a 400 for every error handler of the services (Fastify's `statusCode` convention). */
export class InvalidInput extends Error {
  readonly statusCode = 400;
  /** Where the input failed, e.g. `uid` or `query.ticket`; never the value. */
  readonly validation: string[];

  constructor(paths: string[]) {
    super(`invalid input: ${paths.join(', ')}`);
    this.name = 'InvalidInput';
    this.validation = paths;
  }
}

/**
 * Parses a route's params, query or body with `schema` at the edge: bad input is a precise 400
 * (`InvalidInput`), never an unhandled `ZodError` that a handler would answer with a 500.
 */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidInput(result.error.issues.map((issue) => issue.path.join('.') || 'input'));
  return result.data;
}
