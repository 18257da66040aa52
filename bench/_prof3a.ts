import { PEOPLE } from './launch-3a.ts';
import { timedLaunch, virtualUser, withStack } from './launches.ts';
await withStack(async (stack) => {
  const u = await virtualUser(stack, PEOPLE[0].bsn);
  await timedLaunch(u, PEOPLE[0].task, true);
  for (let i = 0; i < 20; i++) await timedLaunch(u, PEOPLE[0].task);
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < 150; i++) await timedLaunch(u, PEOPLE[0].task);
  const c = process.cpuUsage(c0);
  console.log('cpu ms/launch', (c.user + c.system) / 1000 / 150, 'wall ms/launch', (performance.now() - t0) / 150);
});
