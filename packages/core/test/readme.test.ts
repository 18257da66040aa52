import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// The README's examples are the files in examples/: the typecheck compiles them, this test runs
// them and fails when the README shows something else than the file.
const here = new URL('..', import.meta.url);
const readme = readFileSync(new URL('README.md', here), 'utf8');
const examples = [...readme.matchAll(/<!-- example: (examples\/[\w-]+\.ts) -->\n```ts\n([\s\S]*?)\n```/g)].map((m) => ({ file: m[1]!, shown: m[2]! }));

describe('packages/core/README.md examples', () => {
  it('shows every example file', () => {
    expect(examples.map((e) => e.file).sort()).toEqual(
      [
        'examples/client-auth.ts', 'examples/dpop.ts', 'examples/express-dpop.ts', 'examples/fastify-dpop.ts', 'examples/identity.ts',
        'examples/launch.ts', 'examples/smart.ts', 'examples/token-exchange.ts',
      ],
    );
  });

  for (const { file, shown } of examples) {
    it(`${file} is shown verbatim and runs`, async () => {
      expect(shown).toBe(readFileSync(new URL(file, here), 'utf8').trimEnd());
      const module = (await import(new URL(file, here).href)) as { main(): unknown };
      await expect(Promise.resolve(module.main())).resolves.toBeUndefined();
    });
  }
});
