import { describe, expect, it } from 'vitest';
import { InvalidGrant } from '../src/errors/index.ts';
import { LaunchBindingMismatch, LaunchCodes, checkPresentedLaunchCode } from '../src/launch/index.ts';
import { MemoryStore } from '../src/store/index.ts';

const codes = new LaunchCodes<{ task: string }>(new MemoryStore(), { namespace: 'launch' });

describe('checkPresentedLaunchCode (docs/protocol.md §8 items 11–12, docs/decisions-protocol.md D8)', () => {
  it('returns the live record to its own client, without consuming it', async () => {
    const { code } = await codes.issue({ task: 'Task/1' }, { client_id: 'module-a' });
    expect((await checkPresentedLaunchCode(codes, code, 'module-a')).context).toEqual({ task: 'Task/1' });
    expect(await codes.redeem(code, { client_id: 'module-a' })).toEqual({ task: 'Task/1' });
  });

  it('burns a live code presented by another client', async () => {
    const { code } = await codes.issue({ task: 'Task/1' }, { client_id: 'module-a' });
    const error = await checkPresentedLaunchCode(codes, code, 'module-b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaunchBindingMismatch);
    expect(error).toMatchObject({ error: 'invalid_grant', reason: 'client' });
    expect(await codes.peek(code)).toBeUndefined();
    await expect(checkPresentedLaunchCode(codes, code, 'module-a')).rejects.toBeInstanceOf(InvalidGrant);
  });

  it('refuses an unknown or malformed code as invalid_grant, not as a mismatch', async () => {
    for (const code of ['x'.repeat(43), 'not a code', '']) {
      const error = await checkPresentedLaunchCode(codes, code, 'module-a').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidGrant);
      expect(error).not.toBeInstanceOf(LaunchBindingMismatch);
    }
  });
});
