/**
 * `shm.conf [syscalls]`: one switch per system call, yes when absent, read
 * as Netdata reads booleans.
 */
import type { CollectorConfig } from '@ebpf-collectors/core';
import { enabledSyscalls as enabledOf, unknownSyscallKeys as unknownOf } from '@ebpf-collectors/core';
import { SYSCALLS } from './internal-types.js';
import type { ShmSyscall } from './types.js';

export { SYSCALLS_SECTION } from '@ebpf-collectors/core';

/** The syscalls `[syscalls]` leaves on, in Netdata's order (the kit reads the section). */
export function enabledSyscalls(config: Pick<CollectorConfig, 'sections'>): ShmSyscall[] {
  return enabledOf(config, SYSCALLS);
}

/** `file:line: ...` for every `[syscalls]` key that is not a syscall of this thread. */
export function unknownSyscallKeys(config: Pick<CollectorConfig, 'sections'>): string[] {
  return unknownOf(config, SYSCALLS);
}
