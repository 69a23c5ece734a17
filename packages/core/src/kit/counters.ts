/**
 * Turning cumulative kernel counters into per-interval values.
 */

/**
 * Difference of two readings of a cumulative counter. A smaller reading
 * means the counter restarted (object reloaded), so all of it is new.
 */
export function counterDelta(previous: bigint, current: bigint): bigint {
  return current >= previous ? current - previous : current;
}

/**
 * Keeps the previous reading of a set of cumulative counters and returns
 * per-interval differences; the first reading only sets the baseline (zeros),
 * as Netdata's threads do.
 */
export class CounterDeltas {
  #previous: bigint[] | undefined;

  /** Per-interval values for this reading. */
  next(current: ArrayLike<bigint>): bigint[] {
    const previous = this.#previous;
    const out = new Array<bigint>(current.length);
    for (let i = 0; i < current.length; i++) {
      out[i] = previous === undefined ? 0n : counterDelta(previous[i] ?? 0n, current[i] ?? 0n);
    }
    this.#previous = Array.from(current);
    return out;
  }
}
