import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { MemoryStore } from '@koppelmij/core';
import { AuditLog } from '../src/audit.ts';

describe('AuditLog (docs/decisions.md I59)', () => {
  it('keeps at most the cap of failures with no known person per window; the rest is only logged', async () => {
    const store = new MemoryStore();
    const audit = new AuditLog(store, Fastify().log, { unauthenticatedFailures: { limit: 3, window: 3600 } });
    // what 5 000 /authorize calls with random launch values do
    for (let i = 0; i < 50; i++) await audit.record({ type: 'launch.browser-check-failed', client_id: 'module-3a', outcome: 'failure', reason: 'unknown, expired or used' });
    await audit.record({ type: 'consent.granted', client_id: 'pgo-demo', sub: 'tom', outcome: 'success' });
    await audit.record({ type: 'launch.identity-mismatch', client_id: 'module-3a', sub: 'tom', outcome: 'failure' });
    const kept = await audit.recent(100);
    expect(kept.filter((e) => e.type === 'launch.browser-check-failed')).toHaveLength(3);
    expect(kept.map((e) => e.type)).toEqual(expect.arrayContaining(['consent.granted', 'launch.identity-mismatch']));
    expect(store.size).toBeLessThan(12); // 5 events, the sequence and the window counter
  });
});
