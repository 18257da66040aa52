import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Whether the tests that start a redis-server of their own can run: without the binary they are
 * skipped with a message, except under `CI=true`, where they must run (as the Redis-backed tests).
 */
export function canStartRedisServer(suite: string): boolean {
  if (spawnSync('redis-server', ['--version']).status === 0 || process.env.CI === 'true') return true;
  console.warn(`${suite}: skipped, no redis-server on PATH (install Debian's redis-server)`);
  return false;
}

/** A redis-server of the test's own, on a random port, that the test may kill, freeze and restart. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: the server is gone (with AOF, its data comes back at `start`). */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a frozen server keeps its connections open but answers nothing. */
  freeze(): void;
  thaw(): void;
  /** Starts it again on the same port and directory. */
  start(): Promise<void>;
  /** Kills it and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server` on a port in 20000–30000 with its data in a fresh directory; `aof` runs it
 * as docker-compose.yml does (`--appendonly yes --appendfsync always`), otherwise without persistence.
 */
export async function startRedisServer(options: { aof?: boolean } = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'koppelmij-redis-'));
  const port = 20000 + Math.floor(Math.random() * 10000);
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...(options.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'])];
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForPing(port);
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGCONT');
    c.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    kill,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    start: launch,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => execFile('redis-cli', ['-p', String(port), 'ping'], { timeout: 1000 }, (error, stdout) => resolve(!error && stdout.trim() === 'PONG')));
}
