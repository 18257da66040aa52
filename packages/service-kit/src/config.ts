import type { z } from 'zod';

/**
 * Parses configuration from environment variables with a zod schema and fails fast
 * with one line per bad variable, naming it (DESIGN.md: "fail fast, clear message").
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`invalid configuration:\n${lines.join('\n')}`);
}
