/**
 * Milliseconds of the monotonic clock (`process.hrtime`), from an arbitrary
 * origin: for differences only. Not `performance.now()`: the first use of that
 * global imports perf_hooks, which then stays resident in the plugin (about
 * 0.7 MiB, bench/README.md issue 12: resident memory).
 */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}
