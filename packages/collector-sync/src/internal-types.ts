/**
 * Numbers and names shared with bpf/sync.bpf.c and bpf/sync.h: the lanes and
 * the map name come from src/generated/sync.ts, which the build generates
 * from the header and the object. Not exported from the package.
 */
import { EBPFC_SYNC_COUNTERS, SyncCounter, type MapName, type ProgramName } from './generated/sync.js';
import type { SyncSyscall } from './types.js';

/** Lanes of `tbl_sync` (`enum ebpfc_sync_counter`) by syscall. */
export const COUNTER: Readonly<Record<SyncSyscall, number>> = {
  fsync: SyncCounter.fsync,
  fdatasync: SyncCounter.fdatasync,
  msync: SyncCounter.msync,
  sync: SyncCounter.sync,
  syncfs: SyncCounter.syncfs,
  sync_file_range: SyncCounter.syncFileRange,
};

/** `EBPFC_SYNC_COUNTERS`. */
export const COUNTER_LANES = EBPFC_SYNC_COUNTERS;

/** Map names in the object (checked against its BTF by the compiler). */
export const MAP = { totals: 'tbl_sync' } as const satisfies Record<string, MapName>;

/** Every syscall, in Netdata's `[syscalls]` and dimension order. */
export const SYSCALLS: ReadonlyArray<SyncSyscall> = ['fsync', 'fdatasync', 'msync', 'sync', 'syncfs', 'sync_file_range'];

/** Program of a syscall in one attach mode. */
export function programOf(mode: 'trampoline' | 'probe' | 'tracepoint', syscall: SyncSyscall): ProgramName {
  return `${mode}_sync_${syscall}`;
}

/** The functions a syscall may be, first the kernel has wins (the kit's list, shared by every syscall collector). */
export { syscallFunctions } from '@ebpf-collectors/core';
