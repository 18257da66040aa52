import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { reservePort } from '../src/ports.ts';

function listen(port: number): Promise<{ close(): Promise<void> }> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ close: () => new Promise((done) => server.close(() => done())) }));
  });
}

describe('reservePort', () => {
  it('holds the port until release, then frees it for the service', async () => {
    const reservation = await reservePort();
    expect(reservation.port).toBeGreaterThan(0);
    await expect(listen(reservation.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await reservation.release();
    const service = await listen(reservation.port);
    await service.close();
  });
});
