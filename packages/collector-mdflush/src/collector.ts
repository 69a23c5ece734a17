/**
 * The mdflush collector: counts `md_flush_request` calls per md array with a
 * trampoline or a kprobe and draws `mdstat.mdstat_flush`. No tracepoint is
 * fired once per flush an md array receives (see the README), so there is no
 * tracepoint mode; without md loaded (md_mod not in the kernel) no mode can
 * start, and `--check` says so.
 */
import { existsSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import type {
  AttachMode,
  Started,
  ChartDefinition,
  CollectorContext,
  CollectorDefinition,
  CollectorFrame,
  CollectorInstance,
} from '@ebpf-collectors/core';
import {
  KernelFunctionMissingError,
  attachFirstMode,
  ObjectInstance,
  defineCollector,
  loadAndAttach,
  shippedObjectPath,
  type LoadPlan,
} from '@ebpf-collectors/core';
import type { BpfMap, BpfObject } from '@ebpf-collectors/core';
import { MdflushChartBuilder } from './charts.js';
import { FUNCTION, KEY_SIZE, MAP, MINOR_BITS, PROGRAM, VALUE_SIZE } from './internal-types.js';
import { findKernelSymbol, type KernelSymbol } from '@ebpf-collectors/core';
import { MODULE } from './metrics.js';
import { mdflushSelfTest } from './self-test.js';
import type { MdflushCollectorOptions } from './types.js';

const MODES: ReadonlyArray<AttachMode> = ['trampoline', 'probe'];
/** No block tracepoint is known to give the same count on md arrays (block_rq_issue never fires for them). */
const ABSENT = { tracepoint: 'no tracepoint sits in md_flush_request (block_rq_issue never fires for md arrays)' } as const;

/**
 * The programs of trampoline or probe mode on `md_flush_request`.
 *
 * @throws KernelFunctionMissingError when the kernel has no md (module not loaded), or, for
 *   a trampoline, no BTF of the module that has it
 */
export function planPrograms(
  mode: 'trampoline' | 'probe',
  symbol: KernelSymbol | undefined = findKernelSymbol(FUNCTION),
  moduleBtf: (module: string) => boolean = (module) => existsSync(`/sys/kernel/btf/${module}`),
): LoadPlan & { hooked: string } {
  if (symbol === undefined) {
    throw new KernelFunctionMissingError(MODULE, mode, [FUNCTION], 'md is not loaded: no md arrays to watch; modprobe md_mod');
  }
  if (mode === 'probe') {
    return { programs: new Map([[PROGRAM.probe, (p) => p.attachKprobe(symbol.name)]]), hooked: symbol.name };
  }
  if (symbol.name !== FUNCTION || (symbol.module !== undefined && !moduleBtf(symbol.module))) {
    throw Object.assign(new KernelFunctionMissingError(MODULE, mode, [FUNCTION]), {
      message: `${MODULE} ${mode}: ${FUNCTION} has no BTF a trampoline can attach to` + (symbol.module ? ` (no /sys/kernel/btf/${symbol.module})` : ''),
    });
  }
  return {
    programs: new Map([[PROGRAM.trampoline, (p) => p.attachTrace()]]),
    targets: new Map([[PROGRAM.trampoline, FUNCTION]]),
    hooked: symbol.module ? `${FUNCTION} [${symbol.module}]` : FUNCTION,
  };
}

/** Kernel name of a block device (`md127`) from its dev_t, `md<minor>` when sysfs does not know it. */
export function arrayName(dev: number, sysfs = '/sys/dev/block'): string {
  const major = dev >>> MINOR_BITS;
  const minor = dev & ((1 << MINOR_BITS) - 1);
  try {
    return basename(readlinkSync(`${sysfs}/${major}:${minor}`));
  } catch {
    return `md${minor}`;
  }
}

/** The running collector: one hash map read per tick. */
class MdflushInstance extends ObjectInstance {
  readonly #builder: MdflushChartBuilder;
  readonly #names = new Map<number, string>();
  readonly #map: BpfMap;

  constructor(started: Started<BpfObject>, updateEvery: number) {
    super(MODULE, started, started.value);
    this.#map = started.value.map(MAP);
    this.#builder = new MdflushChartBuilder(updateEvery);
  }

  charts(): ChartDefinition[] {
    return this.#builder.charts();
  }

  /** @throws CollectorClosedError (`ECLOSED`) after `close()` */
  collect(): CollectorFrame {
    this.assertOpen();
    const dump = this.#map.readAll();
    const counts = new Map<string, bigint>();
    for (let i = 0; i < dump.count; i++) {
      const dev = dump.keys.readUInt32LE(i * KEY_SIZE);
      let name = this.#names.get(dev);
      if (name === undefined) {
        name = arrayName(dev);
        this.#names.set(dev, name);
      }
      counts.set(name, (counts.get(name) ?? 0n) + dump.values.readBigUInt64LE(i * VALUE_SIZE));
    }
    return this.#builder.frame(counts);
  }
}

/** An mdflush collector definition (option: another object file). */
export function createMdflushCollector(options: MdflushCollectorOptions = {}): CollectorDefinition {
  return defineCollector({
    name: MODULE,
    defaultCollectPid: 'not set',
    modes: MODES,
    absentModes: ABSENT,
    description: 'flushes per md array (kprobes or trampolines on md_flush_request; needs md loaded)',
    selfTest: mdflushSelfTest,
    async start(context: CollectorContext): Promise<CollectorInstance> {
      const objectPath = options.objectPath ?? shippedObjectPath(import.meta.url, MODULE);
      const started = await attachFirstMode(
        MODULE,
        MODES,
        context,
        async (mode) => {
          const plan = planPrograms(mode as 'trampoline' | 'probe');
          const object = await loadAndAttach(context, objectPath, MODULE, plan);
          context.logger.debug(`${MODULE}: ${mode} mode on ${plan.hooked}`);
          return object;
        },
        ABSENT,
      );
      return new MdflushInstance(started, context.config.updateEvery);
    },
  });
}

/** Netdata's mdflush thread: `mdstat.mdstat_flush`, one dimension per md array. */
export const mdflushCollector: CollectorDefinition = createMdflushCollector();
