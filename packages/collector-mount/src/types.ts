/**
 * Public types of the mount collector.
 */
import type { CounterCollectorOptions } from '@ebpf-collectors/core';

/** Options of {@link createMountCollector}: the object path and a raw-reading hook (see core's `CounterCollectorOptions`). */
export type MountCollectorOptions = CounterCollectorOptions;

/** Counts of the `tbl_mount` lanes, cumulative since load. */
export interface MountCounts {
  /** mount(2) and move_mount(2) calls. */
  readonly mountCalls: bigint;
  /** umount2(2) calls (the kernel's `umount`). */
  readonly umountCalls: bigint;
  /** Failed ones (ret < 0), seen on the return side only. */
  readonly mountErrors: bigint;
  readonly umountErrors: bigint;
}
