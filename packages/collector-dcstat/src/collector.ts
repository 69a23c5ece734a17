/**
 * The dcstat collector (Netdata thread `dc`): loads bpf/dcstat.bpf.o with
 * trampolines or probes and turns its counters into Netdata's dcstat charts.
 * No tracepoint sits in `lookup_fast` or `d_lookup`, so the collector has no
 * tracepoint mode: on a kernel with tracepoints only it does not start, and
 * `--check` says why.
 */
import type { AttachMode, CollectorDefinition, CounterCollectorSpec } from '@ebpf-collectors/core';
import { KernelFunctionMissingError, defineCounterCollector, planFunctionHooks, type Attacher } from '@ebpf-collectors/core';
import type { Features } from '@ebpf-collectors/core';
import { DcstatChartBuilder } from './charts.js';
import { FN, MAP, PID_LANES, PROGRAM } from './internal-types.js';
import { findKernelSymbol, type KernelSymbol } from '@ebpf-collectors/core';
import { THREAD } from './metrics.js';
import { dcstatSelfTest } from './self-test.js';
import type { DcstatCollectorOptions } from './types.js';

/** Programs of a mode and the symbols they hook. */
export interface DcstatPlan {
  readonly programs: Map<string, Attacher>;
  readonly targets?: Map<string, string>;
  readonly hooked: ReadonlyArray<string>;
}

/**
 * Programs of trampoline or probe mode. `lookup_fast` is static: a kprobe
 * goes on its kallsyms symbol, which may be a compiler clone
 * (`lookup_fast.constprop.0`); a trampoline needs the plain name in BTF and
 * in kallsyms.
 *
 * @throws KernelFunctionMissingError when a function cannot be hooked in that mode
 */
export function planPrograms(
  mode: 'trampoline' | 'probe',
  features: Pick<Features, 'hasKernelFunction'>,
  symbol: (fn: string) => KernelSymbol | undefined = (fn) => findKernelSymbol(fn),
): DcstatPlan {
  const slow = planFunctionHooks(THREAD, mode, [{ program: PROGRAM[mode].slow, fn: FN.slow, retprobe: true }], features);
  const programs = new Map(slow.programs);
  const found = symbol(FN.reference);
  if (mode === 'trampoline') {
    if (found?.name !== FN.reference || !features.hasKernelFunction(FN.reference)) {
      throw new KernelFunctionMissingError(THREAD, mode, [FN.reference]);
    }
    programs.set(PROGRAM.trampoline.reference, (p) => p.attachTrace());
    const targets = new Map(slow.targets);
    targets.set(PROGRAM.trampoline.reference, FN.reference);
    return { programs, targets, hooked: [FN.reference, `${FN.slow} (return)`] };
  }
  if (found === undefined) throw new KernelFunctionMissingError(THREAD, mode, [FN.reference, `${FN.reference}.constprop.*`]);
  programs.set(PROGRAM.probe.reference, (p) => p.attachKprobe(found.name));
  return { programs, hooked: [found.name, `${FN.slow} (return)`] };
}

const MODES: ReadonlyArray<AttachMode> = ['trampoline', 'probe'];

const DCSTAT: Omit<CounterCollectorSpec, 'selfTest'> = {
  name: THREAD,
  configKeys: ['dcstat'],
  configFile: 'dcstat.conf',
  cliFlag: 'dcstat',
  description: 'directory cache: hit ratio, references, slow lookups and misses (kprobes or trampolines only: no tracepoint sits in lookup_fast or d_lookup)',
  modes: MODES,
  absentModes: { tracepoint: 'no tracepoint sits in lookup_fast or d_lookup' },
  objectUrl: import.meta.url,
  object: 'dcstat',
  maps: { totals: MAP.totals, pids: MAP.pids },
  pidLanes: PID_LANES,
  plan: (settings, { features }) => {
    if (settings.mode === 'tracepoint') throw new Error('dc: no tracepoint mode');
    const plan = planPrograms(settings.mode as 'trampoline' | 'probe', features);
    return { programs: plan.programs, ...(plan.targets ? { targets: plan.targets } : {}), hooked: plan.hooked };
  },
  charts: (settings) => new DcstatChartBuilder(settings),
};

/** A dcstat collector definition (options: another object file, raw readings). */
export function createDcstatCollector(options: DcstatCollectorOptions = {}): CollectorDefinition {
  return defineCounterCollector({ ...DCSTAT, selfTest: dcstatSelfTest }, options);
}

/** Netdata's dc thread: `filesystem.dc_*`, `apps.dc_*`, `cgroup_<name>.dc_*` and `services.dc_*` charts. */
export const dcstatCollector: CollectorDefinition = createDcstatCollector();
