/**
 * The shm collector: one program per enabled syscall in the attach mode
 * being tried, global lanes plus a per-PID table, Netdata's shm charts.
 */
import type { AttachMode, CollectorDefinition, CounterCollectorSpec, PlanContext } from '@ebpf-collectors/core';
import { NoSyscallEnabledError, defineCounterCollector, planSyscallHooks, type SyscallPlan } from '@ebpf-collectors/core';
import type { Features } from '@ebpf-collectors/core';
import { shmCharts } from './charts.js';
import { enabledSyscalls, unknownSyscallKeys } from './config.js';
import { MAP, PID_LANES, programOf } from './internal-types.js';
import { MODULE } from './metrics.js';
import { shmSelfTest } from './self-test.js';
import type { ShmCollectorOptions, ShmSettings, ShmSyscall } from './types.js';

export { NoSyscallEnabledError } from '@ebpf-collectors/core';

/** What a plan hooked: the programs and, for the debug log, the functions or events. */
export type ShmPlan = SyscallPlan;

/**
 * Programs of one mode for the enabled syscalls: fentry or kprobe on the
 * syscall's function (the name BTF has), or its `syscalls/sys_enter_*`
 * tracepoint.
 *
 * @throws KernelFunctionMissingError when a syscall's function is absent
 * @throws TracepointMissingError when a syscall's enter event is absent
 */
export function planPrograms(
  mode: AttachMode,
  syscalls: ReadonlyArray<ShmSyscall>,
  features: Pick<Features, 'hasKernelFunction'>,
  eventExists?: (category: string, event: string) => boolean,
): ShmPlan {
  return planSyscallHooks(MODULE, mode, syscalls, features, { program: programOf, ...(eventExists ? { eventExists } : {}) });
}

/** Configurations whose unknown `[syscalls]` keys were already reported. */
const warned = new WeakSet<object>();

/** Netdata's shm thread as the kit's counter collector. */
const SHM: Omit<CounterCollectorSpec<ShmSettings>, 'selfTest'> = {
  name: MODULE,
  description: 'System V shared memory calls (shmget, shmat, shmdt, shmctl), host-wide and per app group, cgroup and service',
  enabledByDefault: true,
  modes: ['trampoline', 'probe', 'tracepoint'],
  objectUrl: import.meta.url,
  maps: { totals: MAP.totals, pids: MAP.pids },
  pidLanes: PID_LANES,
  settings: (base, config) => ({ ...base, syscalls: enabledSyscalls(config) }),
  plan(settings, { config, features, logger }: PlanContext) {
    // Said once per configuration, not once per attach mode tried.
    if (!warned.has(config)) for (const line of unknownSyscallKeys(config)) logger.warn(line);
    warned.add(config);
    if (settings.syscalls.length === 0) throw new NoSyscallEnabledError(MODULE, 'shm.conf');
    return planPrograms(settings.mode, settings.syscalls, features);
  },
  charts: shmCharts,
};

/** A shm collector definition. Use {@link shmCollector} unless the object lives elsewhere or raw readings are wanted. */
export function createShmCollector(options: ShmCollectorOptions = {}): CollectorDefinition {
  return defineCounterCollector({ ...SHM, selfTest: shmSelfTest }, options);
}

/** Netdata's shm thread: `system.shared_memory_calls`, `apps.shm*_call`, `cgroup_<name>.shm*_call`, `services.shm*_call`. */
export const shmCollector: CollectorDefinition = createShmCollector();
