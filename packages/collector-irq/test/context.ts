/**
 * A real CollectorContext for the irq collectors' tests: a configuration as
 * hardirq.conf / softirq.conf would resolve it. These threads keep no
 * per-PID data, so the grouping is never asked anything. Also: a loader that
 * remembers the kernel ids of the programs it loaded, so a test checks for
 * leftovers of its own programs only (other collectors' tests, a running
 * plugin or the VM lane's host side may load programs with the same names).
 */
import type { CollectorConfig } from '@ebpf-collectors/core';
import type { Loader, ObjectSpec } from '@ebpf-collectors/loader-native';
import { collectorConfig, loadedProgramsWhere, programsLeftWhere } from '@ebpf-collectors/test-utils';

/** `[global]` of hardirq.conf or softirq.conf with overrides (no per-PID data: apps off, `collect pid` not set). */
export function irqConfig(module: 'hardirq' | 'softirq', overrides: Partial<CollectorConfig> = {}): CollectorConfig {
  return collectorConfig(module, { apps: false, collectPid: 'not set', ...overrides });
}

export { memoryLogger, testContext } from '@ebpf-collectors/test-utils';

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
  return ids.size === 0 ? [] : loadedProgramsWhere((p) => ids.has(p.id));
}

/**
 * Which of `ids` are still loaded after `settleMs`: closing a link frees its
 * program after an RCU grace period, so a program can outlive its fd briefly.
 */
export async function programsLeft(ids: ReadonlySet<number>, settleMs = 3000): Promise<string[]> {
  return ids.size === 0 ? [] : programsLeftWhere((p) => ids.has(p.id), settleMs);
}
