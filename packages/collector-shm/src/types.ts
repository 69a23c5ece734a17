/**
 * Public types of the shm collector.
 */
import type { CounterCollectorOptions, CounterSettings } from '@ebpf-collectors/core';

/** The system calls Netdata's shm thread counts, in `shm.conf [syscalls]` spelling. */
export type ShmSyscall = 'shmget' | 'shmat' | 'shmdt' | 'shmctl';

/** Options of {@link createShmCollector}: the object path and a raw-reading hook (see core's `CounterCollectorOptions`). */
export type ShmCollectorOptions = CounterCollectorOptions;

/** The kit's settings plus the syscalls `shm.conf [syscalls]` leaves on. */
export interface ShmSettings extends CounterSettings {
  /** Enabled syscalls, in Netdata's order; only these are hooked and charted. */
  readonly syscalls: ReadonlyArray<ShmSyscall>;
}

/** Calls per syscall, cumulative since load (host lanes or one PID's lanes). */
export type ShmCounts = Readonly<Record<ShmSyscall, bigint>>;
