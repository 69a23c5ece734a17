/**
 * A real CollectorContext for the irq collectors' tests: a configuration as
 * hardirq.conf / softirq.conf would resolve it. These threads keep no
 * per-PID data, so the grouping is never asked anything. Also: a loader that
 * remembers the kernel ids of the programs it loaded, so a test checks for
 * leftovers of its own programs only (other collectors' tests, a running
 * plugin or the VM lane's host side may load programs with the same names).
 */
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CollectorConfig, CollectorContext, Logger, ProcessGrouping } from '@ebpf-collectors/core';
import { PidTable, createGroupAccumulator } from '@ebpf-collectors/core';
import type { Loader, ObjectSpec } from '@ebpf-collectors/loader-native';

/** `[global]` of hardirq.conf or softirq.conf with overrides. */
export function irqConfig(module: 'hardirq' | 'softirq', overrides: Partial<CollectorConfig> = {}): CollectorConfig {
  return {
    module,
    enabled: true,
    loadMode: 'entry',
    apps: false,
    cgroups: false,
    updateEvery: 1,
    pidTableSize: 32768,
    typeFormat: 'auto',
    coreTracing: 'trampoline',
    collectPid: 'not set',
    mapsPerCore: false,
    lifetime: 300,
    btfPath: '',
    origin: 'user',
    sections: new Map(),
    ...overrides,
  };
}

/** A logger that keeps every line (shown when a test fails). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function testContext(options: { config: CollectorConfig; loader: Loader; logger?: Logger; grouping?: ProcessGrouping }): CollectorContext {
  const grouping = options.grouping ?? new PidTable();
  return {
    config: options.config,
    loader: options.loader,
    logger: options.logger ?? memoryLogger(),
    grouping,
    createAccumulator: (by, lanes) => createGroupAccumulator(grouping, by, lanes),
    signal: new AbortController().signal,
  };
}

/** A {@link Loader} that records the kernel id of every program loaded through it. */
export interface TrackingLoader extends Loader {
  /** Ids of every program loaded so far (they stay here after the object is closed). */
  readonly programIds: ReadonlySet<number>;
}

/** Wrap `inner` so that every object loaded through it adds its programs' ids to `programIds`. */
export function trackingLoader(inner: Loader): TrackingLoader {
  const programIds = new Set<number>();
  const track = (spec: ObjectSpec): ObjectSpec =>
    new Proxy(spec, {
      get(target, property) {
        if (property === 'load') {
          return async () => {
            const object = await target.load();
            for (const program of object.programs.values()) if (program.id > 0) programIds.add(program.id);
            return object;
          };
        }
        // The native spec keeps its state in private fields: call its methods on the spec itself.
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  return {
    programIds,
    get features() {
      return inner.features;
    },
    openObject: (pathOrImage, options) => track(inner.openObject(pathOrImage, options)),
  };
}

/** Which of `ids` the kernel still has loaded, as `id:name`. */
export function programsLoaded(ids: ReadonlySet<number>): string[] {
  if (ids.size === 0) return [];
  const result = spawnSync('bpftool', ['-j', 'prog', 'list'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bpftool prog list failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as Array<{ id: number; name?: string }>)
    .filter((p) => ids.has(p.id))
    .map((p) => `${p.id}:${p.name ?? '?'}`);
}

/**
 * Which of `ids` are still loaded after `settleMs`: closing a link frees its
 * program after an RCU grace period, so a program can outlive its fd briefly.
 */
export async function programsLeft(ids: ReadonlySet<number>, settleMs = 3000): Promise<string[]> {
  const deadline = Date.now() + settleMs;
  let left = programsLoaded(ids);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = programsLoaded(ids);
  }
  return left;
}
