/**
 * The swap collector: loads bpf/swap.bpf.o with trampolines or probes on the
 * functions that read a page from swap and write one to it. No tracepoint
 * fires once per swap read or write, so there is no tracepoint mode: on a
 * kernel with tracepoints only it does not start, and `--check` says why.
 */
import type { CollectorDefinition, CounterCollectorOptions, CounterCollectorSpec, FunctionHook } from '@ebpf-collectors/core';
import { defineCounterCollector, planFunctionHooks, type FunctionPlan } from '@ebpf-collectors/core';
import type { Features } from '@ebpf-collectors/core';
import { swapCharts } from './charts.js';
import { MAP, PID_LANES, SWAP_FUNCTIONS, swapProgram } from './internal-types.js';
import { MODULE } from './metrics.js';
import { swapSelfTest } from './self-test.js';

/** Programs of trampoline or probe mode on the kernel's swap read and write functions. */
export function planPrograms(mode: 'trampoline' | 'probe', features: Pick<Features, 'hasKernelFunction'>): FunctionPlan {
  const hooks: FunctionHook[] = (['read', 'write'] as const).map((op) => ({ program: swapProgram(mode, op), fn: SWAP_FUNCTIONS[op] }));
  return planFunctionHooks(MODULE, mode, hooks, features);
}

const SWAP: Omit<CounterCollectorSpec, 'selfTest'> = {
  name: MODULE,
  description: 'calls to read and write swap pages (kprobes or trampolines only: no tracepoint fires per swap read or write)',
  modes: ['trampoline', 'probe'],
  absentModes: { tracepoint: 'no tracepoint fires per swap read or write' },
  objectUrl: import.meta.url,
  maps: { totals: MAP.totals, pids: MAP.pids },
  pidLanes: PID_LANES,
  plan: (settings, { features }) => {
    const plan = planPrograms(settings.mode as 'trampoline' | 'probe', features);
    return { programs: plan.programs, targets: plan.targets, hooked: [...plan.hooked.values()] };
  },
  charts: () => swapCharts(),
};

/** A swap collector definition (options: another object file, raw readings). */
export function createSwapCollector(options: CounterCollectorOptions = {}): CollectorDefinition {
  return defineCounterCollector({ ...SWAP, selfTest: swapSelfTest }, options);
}

/** Netdata's swap thread: `system.swapcalls`, `apps.swap_*`, `cgroup_<name>.swap_*` and `services.swap_*` charts. */
export const swapCollector: CollectorDefinition = createSwapCollector();
