/**
 * Public types of the process collector.
 */
import type { PidValues } from '@ebpf-collectors/core';

/** Options of {@link createProcessCollector}. */
export interface ProcessCollectorOptions {
  /**
   * Path of the compiled `process.bpf.o`. Default: the object shipped in this
   * package (`bpf/process.bpf.o`, found relative to the installed module).
   */
  objectPath?: string;
  /**
   * Receives what each `collect()` read from the kernel, before it is turned
   * into charts and before dead PIDs are dropped from the kernel table. For
   * recording fixtures and for debugging; it must not change the arrays.
   */
  onRead?: (reading: ProcessReading) => void;
}

/** The raw kernel values of one tick (see {@link ProcessCollectorOptions.onRead}). */
export interface ProcessReading {
  /** `tbl_total_stats` summed over CPUs, cumulative, in counter-lane order (see `bpf/process.h`). */
  readonly counters: ReadonlyArray<bigint>;
  /** `tbl_pid_stats` entries in lane order; empty when no per-PID values are kept. */
  readonly pids: ReadonlyArray<PidValues>;
}

/**
 * The host-wide counters of `tbl_total_stats`, summed over CPUs. Cumulative
 * since the object was loaded, or per interval where a function says so.
 */
export interface ProcessCounters {
  /** Tasks (threads or processes) that entered `do_exit`. */
  readonly exit: bigint;
  /** Tasks released (their `task_struct` handed back: reaped zombies, exited threads). */
  readonly release: bigint;
  /** Successful forks that created a new thread group. */
  readonly newProcess: bigint;
  /** Failed forks/clones without `CLONE_THREAD` (`return` load mode only). */
  readonly processError: bigint;
  /** Successful clones with `CLONE_THREAD`. */
  readonly newThread: bigint;
  /** Failed clones with `CLONE_THREAD` (`return` load mode only). */
  readonly threadError: bigint;
}

/** One `tbl_pid_stats` entry, decoded. */
export interface ProcessPidStat {
  /** The key: a tgid chosen by `collect pid` (real parent, parent, or the task's own). */
  readonly pid: number;
  readonly exit: bigint;
  readonly release: bigint;
  readonly createProcess: bigint;
  readonly createThread: bigint;
  readonly taskError: bigint;
}
