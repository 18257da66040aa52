import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@koppelmij/source'] },
  ssr: { resolve: { conditions: ['@koppelmij/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['packages/core/src/**/*.ts'],
      reporter: ['text-summary', 'text'],
      reportsDirectory: 'test-output/coverage',
      thresholds: { lines: 90 },
    },
  },
});
