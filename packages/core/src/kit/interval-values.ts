/**
 * Per-interval values computed from several cumulative lanes at once (a
 * ratio, a clamped difference), for charts whose `absolute` dimensions are
 * not the change of one monotonic value.
 *
 * The derived values are appended as extra lanes: as they are for host
 * charts, and as running sums for group charts (so `absolute` group styles,
 * which send the change of a monotonic value, send exactly the interval's
 * derived value).
 */
import type { GroupTotals } from '../types.js';
import { counterDelta } from './counters.js';

/** From the per-interval change of every lane to the derived values (non-negative). */
export type DeriveInterval = (delta: ReadonlyArray<bigint>, cumulative: ReadonlyArray<bigint>) => bigint[];

/** Derived per-interval values per key (host, each group), kept between ticks. */
export class IntervalValues {
  readonly #derive: DeriveInterval;
  readonly #width: number;
  readonly #previous = new Map<string, bigint[]>();
  readonly #sums = new Map<string, bigint[]>();

  /** @param width - how many values `derive` returns */
  constructor(derive: DeriveInterval, width: number) {
    this.#derive = derive;
    this.#width = width;
  }

  /** The derived values of `key` over the interval since its last reading; zeros the first time (a baseline). */
  interval(key: string, lanes: ArrayLike<bigint>): bigint[] {
    const current = Array.from(lanes);
    const previous = this.#previous.get(key);
    this.#previous.set(key, current);
    if (previous === undefined) return new Array<bigint>(this.#width).fill(0n);
    const delta = current.map((value, i) => counterDelta(previous[i] ?? 0n, value));
    return this.#derive(delta, current);
  }

  /** Host counters followed by their derived interval values. */
  host(counters: ArrayLike<bigint>): bigint[] {
    return [...Array.from(counters), ...this.interval('\0host', counters)];
  }

  /**
   * Group totals followed by the running sums of their derived values. Keys of
   * `kind` absent from `totals` are forgotten when `forgetAbsent` (cgroups that are gone).
   */
  groups(kind: string, totals: GroupTotals, forgetAbsent = false): GroupTotals {
    const out = new Map<string, ReadonlyArray<bigint>>();
    for (const [group, lanes] of totals) {
      const key = `${kind}\0${group}`;
      const derived = this.interval(key, lanes);
      const sums = this.#sums.get(key) ?? new Array<bigint>(this.#width).fill(0n);
      for (let i = 0; i < this.#width; i++) sums[i] = (sums[i] ?? 0n) + (derived[i] ?? 0n);
      this.#sums.set(key, sums);
      out.set(group, [...lanes, ...sums]);
    }
    if (forgetAbsent) {
      for (const key of [...this.#previous.keys()]) {
        if (!key.startsWith(`${kind}\0`) || totals.has(key.slice(kind.length + 1))) continue;
        this.#previous.delete(key);
        this.#sums.delete(key);
      }
    }
    return out;
  }
}
