/**
 * A fault to inject with `node --import`: on SIGUSR2 the process throws from a timer callback
 * and rejects a promise nobody awaits, the two ways an error escapes every catch.
 */
process.on('SIGUSR2', () => {
  setTimeout(() => {
    throw new Error('injected: thrown outside any promise');
  }, 10);
  setTimeout(() => void Promise.reject(new Error('injected: rejection nobody awaits')), 20);
});
