/** Seconds since the epoch. Every verifier takes an optional clock so tests can move time. */
export type Clock = () => number;

export const systemClock: Clock = () => Math.floor(Date.now() / 1000);
