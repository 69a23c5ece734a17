/**
 * The TypeScript mirror of bpf/sync.h and the program names of
 * bpf/sync.bpf.c. Not exported from the package.
 */
import type { SyncSyscall } from './types.js';

/** Lanes of `tbl_sync` (`enum ebpfc_sync_counter`). */
export const COUNTER: Readonly<Record<SyncSyscall, number>> = {
  fsync: 0,
  fdatasync: 1,
  msync: 2,
  sync: 3,
  syncfs: 4,
  sync_file_range: 5,
};

/** `EBPFC_SYNC_COUNTERS`. */
export const COUNTER_LANES = 6;

/** Map names in the object. */
export const MAP = { totals: 'tbl_sync' } as const;

/** Every syscall, in Netdata's `[syscalls]` and dimension order. */
export const SYSCALLS: ReadonlyArray<SyncSyscall> = ['fsync', 'fdatasync', 'msync', 'sync', 'syncfs', 'sync_file_range'];

/** Program of a syscall in one attach mode. */
export function programOf(mode: 'trampoline' | 'probe' | 'tracepoint', syscall: SyncSyscall): string {
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
