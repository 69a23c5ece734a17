/**
 * `shm.conf [syscalls]`: one switch per system call, yes when absent, read
 * as Netdata reads booleans.
 * KIT-CANDIDATE: collector-sync reads its `[syscalls]` the same way.
 */
import type { CollectorConfig } from '@ebpf-collectors/core';
import { netdataBoolean } from '@ebpf-collectors/core';
import { SYSCALLS } from './internal-types.js';
import type { ShmSyscall } from './types.js';

/** Section of `shm.conf` with the per-syscall switches. */
export const SYSCALLS_SECTION = 'syscalls';

/** The syscalls `[syscalls]` leaves on, in Netdata's order. */
export function enabledSyscalls(config: Pick<CollectorConfig, 'sections'>): ShmSyscall[] {
  const section = config.sections.get(SYSCALLS_SECTION);
  return SYSCALLS.filter((syscall) => {
    const entry = section?.entries.get(syscall);
    return entry === undefined || netdataBoolean(entry.value);
  });
}

/** `file:line: ...` for every `[syscalls]` key that is not a syscall of this thread (Netdata ignores them silently). */
export function unknownSyscallKeys(config: Pick<CollectorConfig, 'sections'>): string[] {
  const section = config.sections.get(SYSCALLS_SECTION);
  if (section === undefined) return [];
  const known = new Set<string>(SYSCALLS);
  return [...section.entries.values()]
    .filter((e) => !known.has(e.key))
    .map((e) => `${e.file}:${e.line}: [${SYSCALLS_SECTION}] "${e.key}" is not one of ${SYSCALLS.join(', ')}; it is ignored`);
}
