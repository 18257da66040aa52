import { Redis } from 'ioredis';

/**
 * The Redis URL the suite runs against (`REDIS_URL`, default redis://127.0.0.1:6379/15),
 * or undefined when no Redis answers. Under `CI=true` a missing Redis is a failure, not a skip.
 */
export async function redisUrlOrSkip(suite: string): Promise<string | undefined> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/15';
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.ping();
    return url;
  } catch (error) {
    if (process.env.CI === 'true') throw new Error(`${suite}: Redis at ${url} is required under CI=true but did not answer: ${String(error)}`);
    console.warn(`${suite}: skipped, no Redis at ${url} (set REDIS_URL, or start redis-server)`);
    return undefined;
  } finally {
    probe.disconnect();
  }
}

/** A key prefix unique to one test run, so parallel runs never see each other's keys. */
export function testPrefix(name: string): string {
  return `koppelmij-test:${name}:${process.pid}:${Date.now()}:`;
}
