/**
 * Finds the collector packages installed next to the plugin. Operators
 * install only what they need, so every package is optional and looked up
 * at run time.
 */
import type { CollectorDefinition } from '@ebpf-collectors/core';

/** A first-party collector package and the Netdata threads it implements. */
export interface KnownCollectorPackage {
  packageName: string;
  /** Netdata module names it provides. */
  modules: ReadonlyArray<string>;
}

/**
 * Our collector packages, in start order. socket and process come after vfs
 * and fs: socket's accept exits and process's failed clones join a generic
 * `sys_exit` program one of those already put there (the kit's
 * `planSyscallExit`, `shareGeneric`) instead of perf-event tracepoints of
 * their own, which cost per event, put every syscall on the tracing path
 * and wait a grace period each at stop.
 */
export const KNOWN_COLLECTOR_PACKAGES: ReadonlyArray<KnownCollectorPackage> = [
  { packageName: '@ebpf-collectors/collector-vfs', modules: ['vfs'] },
  { packageName: '@ebpf-collectors/collector-fs', modules: ['fd', 'filesystem'] },
  { packageName: '@ebpf-collectors/collector-socket', modules: ['socket'] },
  { packageName: '@ebpf-collectors/collector-process', modules: ['process'] },
  { packageName: '@ebpf-collectors/collector-irq', modules: ['hardirq', 'softirq'] },
  { packageName: '@ebpf-collectors/collector-mdflush', modules: ['mdflush'] },
  { packageName: '@ebpf-collectors/collector-swap', modules: ['swap'] },
  { packageName: '@ebpf-collectors/collector-cachestat', modules: ['cachestat'] },
  { packageName: '@ebpf-collectors/collector-dcstat', modules: ['dc'] },
  { packageName: '@ebpf-collectors/collector-oomkill', modules: ['oomkill'] },
  { packageName: '@ebpf-collectors/collector-disk', modules: ['disk'] },
  { packageName: '@ebpf-collectors/collector-sync', modules: ['sync'] },
  { packageName: '@ebpf-collectors/collector-mount', modules: ['mount'] },
  { packageName: '@ebpf-collectors/collector-shm', modules: ['shm'] },
];

function isCollectorDefinition(value: unknown): value is CollectorDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as CollectorDefinition).name === 'string' &&
    typeof (value as CollectorDefinition).start === 'function' &&
    Array.isArray((value as CollectorDefinition).modes)
  );
}

/**
 * The collector definitions a package exports: its `collectors` array if it
 * has one, else every exported definition.
 */
export function definitionsOf(moduleNamespace: Record<string, unknown>): CollectorDefinition[] {
  const list = moduleNamespace['collectors'];
  if (Array.isArray(list)) return list.filter(isCollectorDefinition);
  const found = new Map<string, CollectorDefinition>();
  for (const value of Object.values(moduleNamespace)) {
    if (isCollectorDefinition(value)) found.set(value.name, value);
  }
  return [...found.values()];
}

/** Result of {@link discoverCollectors}. */
export interface DiscoveredCollectors {
  available: CollectorDefinition[];
  /** Packages not installed, with the modules they would provide. */
  missing: KnownCollectorPackage[];
  /** Packages that are installed but failed to import (broken install). */
  broken: Array<{ packageName: string; error: Error }>;
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Import every known collector package that is installed, plus `extra` third-party package names. */
export async function discoverCollectors(extra: ReadonlyArray<string> = []): Promise<DiscoveredCollectors> {
  const result: DiscoveredCollectors = { available: [], missing: [], broken: [] };
  const packages = [
    ...KNOWN_COLLECTOR_PACKAGES,
    ...extra.map((packageName) => ({ packageName, modules: [] as string[] })),
  ];
  for (const known of packages) {
    try {
      const namespace = (await import(known.packageName)) as Record<string, unknown>;
      result.available.push(...definitionsOf(namespace));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // A missing dependency *inside* an installed package is a broken install, not a missing package.
      if (isNotFound(error) && message.includes(`'${known.packageName}'`)) result.missing.push(known);
      else result.broken.push({ packageName: known.packageName, error: error instanceof Error ? error : new Error(message) });
    }
  }
  return result;
}
