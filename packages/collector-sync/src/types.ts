/**
 * Public types of the sync collector.
 */
import type { CounterCollectorOptions, CounterSettings } from '@ebpf-collectors/core';

/** The system calls Netdata's sync thread counts, in `sync.conf [syscalls]` spelling. */
export type SyncSyscall = 'fsync' | 'fdatasync' | 'msync' | 'sync' | 'syncfs' | 'sync_file_range';

/** Options of {@link createSyncCollector}: the object path and a raw-reading hook (see core's `CounterCollectorOptions`). */
export type SyncCollectorOptions = CounterCollectorOptions;

/** The kit's settings plus the syscalls `sync.conf [syscalls]` leaves on. */
export interface SyncSettings extends CounterSettings {
  /** Enabled syscalls, in Netdata's order; only these are hooked and charted. */
  readonly syscalls: ReadonlyArray<SyncSyscall>;
}

/** Calls per syscall, cumulative since load, from the `tbl_sync` lanes. */
export type SyncCounts = Readonly<Record<SyncSyscall, bigint>>;
