// Time is a dependency: the real clock in production, a fixed or stepped one in tests.
export type Clock = { now: () => number }

export const systemClock: Clock = { now: () => Date.now() }
