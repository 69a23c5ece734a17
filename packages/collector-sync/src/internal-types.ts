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

/**
 * The kernel functions of a syscall, in order of preference: the x86-64 and
 * arm64 wrappers (4.17+); `__do_sys_<name>`, which recent x86-64 kernels
 * make the real function of an argument-less syscall (`__x64_sys_sync` is
 * then an alias with no BTF entry, so fentry cannot target it: 6.18 does
 * this for sync); then the plain name of kernels before 4.17. The kit takes
 * the first that BTF (or kallsyms without BTF) has.
 * KIT-CANDIDATE: collector-mount and collector-shm carry the same list.
 */
export function syscallFunctions(syscall: string): string[] {
  return [`__x64_sys_${syscall}`, `__arm64_sys_${syscall}`, `__do_sys_${syscall}`, `sys_${syscall}`];
}
