/**
 * Public types of the fd and filesystem collectors.
 */
import type { PidValues } from '@ebpf-collectors/core';
import type { FilesystemName } from './internal-types.js';

export type { FilesystemName, FsOp } from './internal-types.js';

/** Options of {@link createFdCollector}. */
export interface FdCollectorOptions {
  /**
   * Path of the compiled `fd.bpf.o`. Default: the object shipped in this
   * package (`bpf/fd.bpf.o`, found relative to the installed module).
   */
  objectPath?: string;
  /**
   * Receives what each `collect()` read from the kernel, before it is turned
   * into charts and before dead PIDs are dropped from the kernel table. For
   * recording fixtures and for debugging; it must not change the arrays.
   */
  onRead?: (reading: FdReading) => void;
}

/** The raw kernel values of one fd tick. */
export interface FdReading {
  /** `tbl_fd_global` summed over CPUs, cumulative: open calls, open errors, close calls, close errors. */
  readonly counters: ReadonlyArray<bigint>;
  /** `tbl_fd_pid` entries in the same lane order; empty when no per-PID values are kept. */
  readonly pids: ReadonlyArray<PidValues>;
}

/** The host-wide fd counters, cumulative since load. */
export interface FdCounters {
  /** Open attempts (successful or not). */
  readonly openCall: bigint;
  /** Opens that failed (`return` load mode only). */
  readonly openError: bigint;
  /** Close attempts. */
  readonly closeCall: bigint;
  /** Closes that failed (`return` load mode only). */
  readonly closeError: bigint;
}

/** Options of {@link createFilesystemCollector}. */
export interface FilesystemCollectorOptions {
  /** Path of the compiled `filesystem.bpf.o`. Default: the one shipped in this package. */
  objectPath?: string;
  /** mountinfo files to read, first readable wins. Default `/proc/self/mountinfo`, then `/proc/1/mountinfo`. */
  mountinfoPaths?: ReadonlyArray<string>;
  /**
   * Re-read the mounts every this many ticks (Netdata: every 5 × `update
   * every` seconds). Default 5; the first tick always reads them.
   */
  mountCheckTicks?: number;
  /** Receives what each `collect()` read from the kernel (fixtures, debugging). */
  onRead?: (reading: FilesystemReading) => void;
}

/** The raw kernel values of one filesystem tick. */
export interface FilesystemReading {
  /** `tbl_fs_hist` summed over CPUs, cumulative, 480 lanes (slot × 96 + op × 24 + bin). */
  readonly hist: ReadonlyArray<bigint>;
  /** Enabled filesystems that were mounted at this tick. */
  readonly mounted: ReadonlyArray<FilesystemName>;
}
