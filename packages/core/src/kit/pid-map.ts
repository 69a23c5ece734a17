/**
 * Per-PID BPF tables: sizing them as Netdata does, decoding a batched read
 * into per-PID lanes, and dropping the keys of processes that are gone.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { BpfMap, MapDump } from '@ebpf-collectors/loader-native';
import type { CollectorConfig, PidValues, ProcessGrouping } from '../types.js';

/**
 * Entries of a per-PID table for a configuration, as Netdata sizes it by
 * `collect pid` (real parent: a third of `pid table size`, parent: half,
 * all: all of it), and 1 when no per-PID values are kept (apps and cgroups off).
 */
export function pidTableEntries(config: Pick<CollectorConfig, 'pidTableSize' | 'collectPid'>, perPid: boolean): number {
  if (!perPid) return 1;
  const size = Math.max(1, Math.floor(config.pidTableSize));
  switch (config.collectPid) {
    case 'all':
      return size;
    case 'parent':
      return Math.max(1, Math.floor(size / 2));
    default:
      return Math.max(1, Math.floor(size / 3));
  }
}

/**
 * Most bytes of values a per-CPU per-PID table may take (entries x value
 * size x possible CPUs) under `maps per core`; past it the table is a plain
 * hash with atomic adds. The kernel gives a per-CPU table one value per
 * possible CPU for every entry, so at Netdata's default sizes four of them
 * take about 9 MiB on 2 CPUs but 190 MiB on 64 and 375 MiB on 128, while a
 * plain hash stays at about 2 MiB each. 8 MiB keeps small machines (up to
 * about 8 CPUs at the default sizes) per-CPU, where atomics would cost more
 * than the memory.
 */
export const PER_CPU_PID_TABLE_BUDGET = 8 * 1024 * 1024;

/** Whether a per-PID table is made per-CPU, and why not when `maps per core` asked for it. */
export interface PidTableKind {
  readonly perCpu: boolean;
  /** Set when `maps per core = yes` was overruled by {@link PER_CPU_PID_TABLE_BUDGET}. */
  readonly reason?: string;
}

/**
 * `maps per core` within {@link PER_CPU_PID_TABLE_BUDGET}: per-CPU only when
 * asked for and the values of every CPU fit the budget.
 */
export function pidTableKind(mapsPerCore: boolean, entries: number, valueSize: number, possibleCpus: number): PidTableKind {
  if (!mapsPerCore) return { perCpu: false };
  const bytes = entries * Math.ceil(valueSize / 8) * 8 * possibleCpus;
  if (bytes <= PER_CPU_PID_TABLE_BUDGET) return { perCpu: true };
  const mib = (n: number) => (n / 1048576).toFixed(1);
  return {
    perCpu: false,
    reason:
      `maps per core: a per-CPU table of ${entries} PIDs would hold ${mib(bytes)} MiB of values on ${possibleCpus} possible CPUs ` +
      `(more than ${mib(PER_CPU_PID_TABLE_BUDGET)} MiB); a plain hash (${mib(entries * Math.ceil(valueSize / 8) * 8)} MiB, atomic adds) is used instead`,
  };
}

/**
 * CPUs the kernel sizes per-CPU maps for (`/sys/devices/system/cpu/possible`,
 * e.g. `0-63`); the CPUs Node sees when that file cannot be read.
 */
export function possibleCpuCount(path = '/sys/devices/system/cpu/possible'): number {
  try {
    let n = 0;
    for (const part of readFileSync(path, 'utf8').trim().split(',')) {
      const [a, b] = part.split('-').map(Number);
      if (!Number.isInteger(a)) throw new Error(`bad range ${part}`);
      n += b === undefined ? 1 : b - a! + 1;
    }
    if (n > 0) return n;
  } catch {
    // fall through
  }
  return Math.max(1, cpus().length);
}

/** `collect pid` as the number the BPF helpers in `bpf/include/ebpfc_pid.h` expect. */
export const COLLECT_PID_LEVEL: Readonly<Record<CollectorConfig['collectPid'], number>> = {
  'real parent': 0,
  parent: 1,
  all: 2,
  'not set': 0,
};

/**
 * Per-PID lanes of a dump of a table keyed by a u32 PID whose value is
 * `lanes` u64 counters (per-CPU copies already summed by the loader).
 *
 * @throws RangeError when the dump is shorter than `count` entries of that layout
 */
export function decodePidLanes(dump: Pick<MapDump, 'count' | 'keys' | 'values'>, lanes: number, table = 'pid table'): PidValues[] {
  const { count, keys, values } = dump;
  const valueSize = lanes * 8;
  if (keys.length < count * 4 || values.length < count * valueSize) {
    throw new RangeError(
      `${table}: ${count} entries need ${count * 4} key and ${count * valueSize} value bytes, got ${keys.length} and ${values.length}`,
    );
  }
  const out: PidValues[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const base = i * valueSize;
    const lane: bigint[] = new Array(lanes);
    for (let l = 0; l < lanes; l++) lane[l] = values.readBigUInt64LE(base + l * 8);
    out[i] = { pid: keys.readUInt32LE(i * 4), values: lane };
  }
  return out;
}

/**
 * Delete the entries of PIDs that are no longer alive, after their values
 * were read and accounted. Keeps the table (and the next read) small; a late
 * event recreates a key, and accumulators count a recreated entry from zero.
 *
 * @returns how many keys were deleted
 */
export function dropDeadPids(map: BpfMap, pids: Iterable<PidValues>, grouping: Pick<ProcessGrouping, 'isAlive'>): number {
  const key = Buffer.alloc(4);
  let dropped = 0;
  for (const { pid } of pids) {
    if (grouping.isAlive(pid)) continue;
    key.writeUInt32LE(pid, 0);
    if (map.delete(key)) dropped++;
  }
  return dropped;
}
