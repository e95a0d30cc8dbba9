/**
 * Resolves after the event loop has run its pending I/O callbacks: long synchronous loops call it
 * now and then, so that socket writes and replies in flight are not held up behind them.
 */
export const yieldToIo = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
