// A one-time launch code: opaque, 256 bits, 180 s, bound to the module, redeemed once.
import assert from 'node:assert/strict';
import { InvalidGrant, LaunchCodes, MemoryStore } from '@koppelmij/core';

export async function main(): Promise<void> {
  const codes = new LaunchCodes<{ patient: string; task: string }>(new MemoryStore(), { namespace: 'launch', ttl: 180 });
  const { code, expires_in } = await codes.issue({ patient: 'pat-1', task: 'Task/456' }, { client_id: 'module-3a' });
  assert.equal(expires_in, 180);

  assert.deepEqual(await codes.redeem(code, { client_id: 'module-3a' }), { patient: 'pat-1', task: 'Task/456' });
  // Single use: the second redemption fails, also when it races the first (one atomic take, docs/decisions-protocol.md D12).
  await assert.rejects(codes.redeem(code, { client_id: 'module-3a' }), InvalidGrant);
}
