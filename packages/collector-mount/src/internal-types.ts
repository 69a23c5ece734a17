/**
 * Numbers and names shared with bpf/mount.bpf.c and bpf/mount.h: lanes and
 * the map name come from src/generated/mount.ts, which the build generates
 * from the header and the object. Not exported from the package.
 */
import { EBPFC_MOUNT_COUNTERS, MountCounter, type MapName, type ProgramName } from './generated/mount.js';

/** Lanes of `tbl_mount` (`enum ebpfc_mount_counter`), Netdata's order. */
export const COUNTER = MountCounter;

/** `EBPFC_MOUNT_COUNTERS`. */
export const COUNTER_LANES = EBPFC_MOUNT_COUNTERS;

/** Map names in the object (checked against its BTF by the compiler). */
export const MAP = { totals: 'tbl_mount' } as const satisfies Record<string, MapName>;

/** The syscalls hooked, by their kernel names (`umount` is umount2(2)). */
export type MountOp = 'mount' | 'umount' | 'move_mount';

/**
 * What each attach mode hooks: mount(2) and umount2(2) always; move_mount(2)
 * where the kernel has it (5.2+), optional.
 */
export const OPS: ReadonlyArray<{ readonly op: MountOp; readonly optional: boolean }> = [
  { op: 'mount', optional: false },
  { op: 'umount', optional: false },
  { op: 'move_mount', optional: true },
];

/** Name given to `EBPFC_SYSCALL_EXIT_PROGRAMS` in bpf/mount.bpf.c. */
export const MOUNT_SYSCALL_EXIT_PROGRAM = 'tracepoint_syscall_exit';

/** Program of an operation: entry or return side in trampoline/probe, the exit event in tracepoint mode. */
export function programOf(mode: 'trampoline' | 'probe' | 'tracepoint', op: MountOp, returnSide: boolean): ProgramName {
  if (mode === 'tracepoint') return `tracepoint_mnt_${op}`;
  return returnSide ? `${mode}_mnt_${op}_ret` : `${mode}_mnt_${op}`;
}

/** The functions a syscall may be, first the kernel has wins (the kit's list, shared by every syscall collector). */
export { syscallFunctions } from '@ebpf-collectors/core';
