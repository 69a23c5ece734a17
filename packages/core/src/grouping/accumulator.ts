/**
 * Per-group monotonic totals from per-PID cumulative kernel counters.
 */
import type { GroupAccumulator, GroupTotals, PidValues, ProcessGrouping } from '../types.js';
import { OTHER_GROUP } from './apps-groups.js';
import { LaneCountError } from './errors.js';
import { hasPidIdentity } from './pid-table.js';

/** What a {@link createGroupAccumulator} groups by. */
export type GroupBy = 'app' | 'cgroup' | 'service';

/** Options of {@link createGroupAccumulator}. */
export interface GroupAccumulatorOptions {
  /**
   * Forget a PID after this many consecutive updates without it (and a
   * cgroup or service after this many updates without any PID, once the
   * grouping no longer lists it). Bounds memory. Default 5.
   */
  forgetAfter?: number;
}

/** Default of {@link GroupAccumulatorOptions.forgetAfter}. */
export const DEFAULT_FORGET_AFTER = 5;

interface PidState {
  readonly values: bigint[];
  lastUpdate: number;
  startTime: number | undefined;
}

interface GroupState {
  readonly totals: bigint[];
  lastUpdate: number;
}

/**
 * Create an accumulator that turns per-PID cumulative counters into
 * per-group totals that never decrease.
 *
 * Per PID and lane, each update adds to the PID's current group:
 * - the whole value, the first time the PID is seen (what it did before we
 *   saw it still happened in that group);
 * - `value - previous` when the value grew or stayed;
 * - the whole value when it shrank: the kernel entry was recreated (PID
 *   reused, map entry deleted and reinserted) or the counter restarted, so
 *   the new value counts from 0.
 * A PID that disappears contributes nothing more; what it added stays. When
 * the grouping implements {@link PidIdentity} (the {@link PidTable} does), a
 * changed start time also marks a reused PID. A PID whose group is unknown
 * counts under `other` for `app`, and is ignored for `cgroup` and `service`
 * (not even remembered, so its whole value counts once it is placed).
 *
 * @param grouping where PIDs are placed (usually the PID table)
 * @param by which lookup to use: `appOf`, `cgroupOf` or `serviceOf`
 * @param lanes number of counters per PID, in the collector's lane order
 * @throws RangeError when `lanes` or `forgetAfter` is not a positive integer;
 *   `update` throws {@link LaneCountError} (`ELANES`) when a PID brings
 *   another number of values
 */
export function createGroupAccumulator(
  grouping: ProcessGrouping,
  by: GroupBy,
  lanes: number,
  options: GroupAccumulatorOptions = {},
): GroupAccumulator {
  const forgetAfter = options.forgetAfter ?? DEFAULT_FORGET_AFTER;
  if (!Number.isInteger(lanes) || lanes < 1) throw new RangeError(`lanes must be a positive integer, got ${lanes}`);
  if (!Number.isInteger(forgetAfter) || forgetAfter < 1) {
    throw new RangeError(`forgetAfter must be a positive integer, got ${forgetAfter}`);
  }
  const identity = hasPidIdentity(grouping) ? grouping : undefined;
  const groupOf: (pid: number) => string | undefined =
    by === 'app'
      ? (pid) => grouping.appOf(pid) ?? OTHER_GROUP
      : by === 'cgroup'
        ? (pid) => grouping.cgroupOf(pid)
        : (pid) => grouping.serviceOf(pid);
  const listed: () => ReadonlyArray<string> =
    by === 'cgroup' ? () => grouping.cgroups() : by === 'service' ? () => grouping.services() : () => [];

  const pids = new Map<number, PidState>();
  const groups = new Map<string, GroupState>();
  let tick = 0;

  function groupState(name: string): GroupState {
    let g = groups.get(name);
    if (g === undefined) {
      g = { totals: new Array<bigint>(lanes).fill(0n), lastUpdate: tick };
      groups.set(name, g);
    }
    g.lastUpdate = tick;
    return g;
  }

  return {
    update(input: Iterable<PidValues>): GroupTotals {
      tick++;
      for (const { pid, values } of input) {
        if (values.length !== lanes) throw new LaneCountError(pid, lanes, values.length);
        const group = groupOf(pid);
        let state = pids.get(pid);
        const startTime = identity?.startTimeOf(pid);
        if (state !== undefined && startTime !== undefined && state.startTime !== undefined && startTime !== state.startTime) {
          state = undefined;
        }
        if (state === undefined && group === undefined) continue;

        const totals = group === undefined ? undefined : groupState(group).totals;
        if (state === undefined) {
          state = { values: [...values], lastUpdate: tick, startTime };
          pids.set(pid, state);
          if (totals !== undefined) for (let i = 0; i < lanes; i++) totals[i]! += values[i]!;
          continue;
        }
        const prev = state.values;
        for (let i = 0; i < lanes; i++) {
          const v = values[i]!;
          const p = prev[i]!;
          if (totals !== undefined) totals[i]! += v >= p ? v - p : v;
          prev[i] = v;
        }
        state.lastUpdate = tick;
        if (startTime !== undefined) state.startTime = startTime;
      }

      for (const [pid, state] of pids) {
        if (tick - state.lastUpdate >= forgetAfter) pids.delete(pid);
      }
      if (by !== 'app') {
        let current: Set<string> | undefined;
        for (const [name, g] of groups) {
          if (tick - g.lastUpdate < forgetAfter) continue;
          current ??= new Set(listed());
          // A group still listed may get PIDs again; restarting its totals from 0 would look like a drop.
          if (!current.has(name)) groups.delete(name);
        }
      }

      const out = new Map<string, ReadonlyArray<bigint>>();
      for (const [name, g] of groups) out.set(name, Object.freeze([...g.totals]));
      return out;
    },
  };
}
