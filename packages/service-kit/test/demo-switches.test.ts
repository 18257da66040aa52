import { describe, expect, it } from 'vitest';
import { loadDemoSwitches } from '../src/demo-trace/switches.ts';

describe('loadDemoSwitches (docs/decisions.md I138)', () => {
  it('is off by default and on when asked', () => {
    expect(loadDemoSwitches({})).toEqual({ trace: false, pauseLaunch: false });
    expect(loadDemoSwitches({ DEMO_TRACE: 'true', DEMO_PAUSE_LAUNCH: 'true' })).toEqual({ trace: true, pauseLaunch: true });
  });

  it('refuses a demo switch under NODE_ENV=production', () => {
    expect(() => loadDemoSwitches({ DEMO_TRACE: 'true', NODE_ENV: 'production' })).toThrow(/refused with NODE_ENV=production/);
    expect(() => loadDemoSwitches({ DEMO_PAUSE_LAUNCH: 'true', NODE_ENV: 'production' })).toThrow(/refused with NODE_ENV=production/);
    expect(loadDemoSwitches({ NODE_ENV: 'production' })).toEqual({ trace: false, pauseLaunch: false });
  });
});
