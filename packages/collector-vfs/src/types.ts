/**
 * Public types of the vfs collector.
 */
import type { PidValues } from '@ebpf-collectors/core';

/** Options of {@link createVfsCollector}. */
export interface VfsCollectorOptions {
  /**
   * Path of the compiled `vfs.bpf.o`. Default: the object shipped in this
   * package (`bpf/vfs.bpf.o`, found relative to the installed module).
   */
  objectPath?: string;
  /**
   * Receives what each `collect()` read from the kernel, before it is turned
   * into charts and before dead PIDs are dropped from the kernel table. For
   * recording fixtures and for debugging; it must not change the arrays.
   */
  onRead?: (reading: VfsReading) => void;
}

/** The raw kernel values of one tick (see {@link VfsCollectorOptions.onRead}). */
export interface VfsReading {
  /** `tbl_vfs_stats` summed over CPUs, cumulative, 20 lanes in Netdata's order (see `bpf/vfs.h`). */
  readonly counters: ReadonlyArray<bigint>;
  /** `tbl_vfs_pid` entries, 14 lanes each (see `bpf/vfs.h`); empty when no per-PID values are kept. */
  readonly pids: ReadonlyArray<PidValues>;
}

/**
 * Host-wide counters, cumulative since the object was loaded, with the
 * vector calls (readv, writev, ...) added to the plain ones. Bytes are real
 * bytes, not Netdata's sums of log2 sizes.
 */
export interface VfsCounters {
  /** Files deleted (`vfs_unlink`, or unlink/unlinkat of a non-directory). */
  readonly unlinkCalls: bigint;
  /** Failed deletes (counted, not charted: Netdata has no chart for them). */
  readonly unlinkErrors: bigint;
  readonly readCalls: bigint;
  readonly readErrors: bigint;
  /** Bytes read (transferred; requested ones on entry-mode probes and trampolines). */
  readonly readBytes: bigint;
  readonly writeCalls: bigint;
  readonly writeErrors: bigint;
  /** Bytes written (transferred; requested ones on entry-mode probes and trampolines). */
  readonly writeBytes: bigint;
  readonly fsyncCalls: bigint;
  readonly fsyncErrors: bigint;
  readonly openCalls: bigint;
  readonly openErrors: bigint;
  readonly createCalls: bigint;
  readonly createErrors: bigint;
}
