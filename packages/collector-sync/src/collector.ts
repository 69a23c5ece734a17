/**
 * The sync collector: one program per enabled syscall in the attach mode
 * being tried, one `tbl_sync` lane each, Netdata's four `mem.*` charts.
 */
import type {
  AttachMode,
  CollectorDefinition,
  CounterCollectorSpec,
  PlanContext,
} from '@ebpf-collectors/core';
import { NoSyscallEnabledError, defineCounterCollector, planSyscallHooks, type SyscallPlan } from '@ebpf-collectors/core';
import type { Features } from '@ebpf-collectors/core';
import { syncCharts } from './charts.js';
import { enabledSyscalls, unknownSyscallKeys } from './config.js';
import { MAP, programOf } from './internal-types.js';
import { MODULE } from './metrics.js';
import { syncSelfTest } from './self-test.js';
import type { SyncCollectorOptions, SyncSettings, SyncSyscall } from './types.js';

export { NoSyscallEnabledError } from '@ebpf-collectors/core';

/** What a plan hooked: the programs and, for the debug log, the functions or events. */
export type SyncPlan = SyscallPlan;

/**
 * Programs of one mode for the enabled syscalls: fentry or kprobe on the
 * syscall's function (the name BTF has: `__x64_sys_*`, `__arm64_sys_*`),
 * or its `syscalls/sys_enter_*` tracepoint.
 *
 * @throws KernelFunctionMissingError when a syscall's function is absent
 * @throws TracepointMissingError when a syscall's enter event is absent
 */
export function planPrograms(
  mode: AttachMode,
  syscalls: ReadonlyArray<SyncSyscall>,
  features: Pick<Features, 'hasKernelFunction'>,
  eventExists?: (category: string, event: string) => boolean,
): SyncPlan {
  return planSyscallHooks(MODULE, mode, syscalls, features, { program: programOf, ...(eventExists ? { eventExists } : {}) });
}

/** Configurations whose unknown `[syscalls]` keys were already reported. */
const warned = new WeakSet<object>();

/** Netdata's sync thread as the kit's counter collector. */
const SYNC: Omit<CounterCollectorSpec<SyncSettings>, 'selfTest'> = {
  name: MODULE,
  description: 'calls of fsync, fdatasync, msync, sync, syncfs and sync_file_range',
  enabledByDefault: true,
  defaultCollectPid: 'not set',
  modes: ['trampoline', 'probe', 'tracepoint'],
  objectUrl: import.meta.url,
  maps: { totals: MAP.totals },
  pidLanes: 0,
  settings: (base, config) => ({ ...base, syscalls: enabledSyscalls(config) }),
  plan(settings, { config, features, logger }: PlanContext) {
    // Said once per configuration, not once per attach mode tried.
    if (!warned.has(config)) for (const line of unknownSyscallKeys(config)) logger.warn(line);
    warned.add(config);
    if (settings.syscalls.length === 0) throw new NoSyscallEnabledError(MODULE, 'sync.conf');
    return planPrograms(settings.mode, settings.syscalls, features);
  },
  charts: syncCharts,
};

/** A sync collector definition. Use {@link syncCollector} unless the object lives elsewhere or raw readings are wanted. */
export function createSyncCollector(options: SyncCollectorOptions = {}): CollectorDefinition {
  return defineCounterCollector({ ...SYNC, selfTest: syncSelfTest }, options);
}

/** Netdata's sync thread: `mem.file_sync`, `mem.memory_map`, `mem.sync`, `mem.file_segment`. */
export const syncCollector: CollectorDefinition = createSyncCollector();
