/**
 * Decoding of the process object's maps (layouts in bpf/process.h).
 */
import type { PidValues } from '@ebpf-collectors/core';
import { decodePidLanes } from '@ebpf-collectors/core';
import { COUNTER, COUNTER_LANES, MAP, PID_LANE, PID_LANES } from './internal-types.js';
import type { ProcessCounters, ProcessPidStat } from './types.js';

/**
 * The global counters from `tbl_total_stats` as read by `readU64Array()`.
 *
 * @throws RangeError when fewer than 6 lanes are given
 */
export function decodeCounters(lanes: ArrayLike<bigint>): ProcessCounters {
  if (lanes.length < COUNTER_LANES) {
    throw new RangeError(`tbl_total_stats: expected ${COUNTER_LANES} counters, got ${lanes.length}`);
  }
  return {
    exit: lanes[COUNTER.exit]!,
    release: lanes[COUNTER.release]!,
    newProcess: lanes[COUNTER.newProcess]!,
    processError: lanes[COUNTER.processError]!,
    newThread: lanes[COUNTER.newThread]!,
    threadError: lanes[COUNTER.threadError]!,
  };
}

/** The parts of a map dump (`BpfMap.readAll()`) the decoder reads. */
export interface PidTableDump {
  /** Entries read. */
  readonly count: number;
  /** `count` u32 keys, little endian. */
  readonly keys: Buffer;
  /** `count` values of 5 u64 lanes each, little endian, per-CPU copies summed. */
  readonly values: Buffer;
}

/**
 * Per-PID values of a `tbl_pid_stats` dump (per-CPU copies already summed),
 * in lane order, for a {@link GroupAccumulator}.
 *
 * @throws RangeError when the dump's key or value size is not the layout's
 */
export function decodePidTable(dump: PidTableDump): PidValues[] {
  return decodePidLanes(dump, PID_LANES, MAP.pids);
}

/** A decoded per-PID entry with named fields (for logs, tools and tests). */
export function namePidValues(entry: PidValues): ProcessPidStat {
  const v = entry.values;
  return {
    pid: entry.pid,
    exit: v[PID_LANE.exit] ?? 0n,
    release: v[PID_LANE.release] ?? 0n,
    createProcess: v[PID_LANE.createProcess] ?? 0n,
    createThread: v[PID_LANE.createThread] ?? 0n,
    taskError: v[PID_LANE.taskError] ?? 0n,
  };
}
