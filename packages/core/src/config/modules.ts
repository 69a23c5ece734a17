/**
 * The sixteen threads of Netdata's ebpf.plugin v1.37.1 as configuration sees
 * them: which `[ebpf programs]` keys enable each, which `ebpf.d/` file tunes
 * it, which command-line flag selects it, and the defaults the C code uses
 * when the configuration says nothing.
 */
import type { CollectorDefinition } from '../types.js';

/**
 * What the configuration loader needs to know about a module. A
 * {@link CollectorDefinition} satisfies it, so third-party collectors load
 * their configuration the same way as the built-in table.
 */
export interface ModuleConfigSpec
  extends Pick<
    CollectorDefinition,
    'name' | 'configKeys' | 'configFile' | 'cliFlag' | 'enabledByDefault' | 'defaultCollectPid'
  > {
  /**
   * Module-specific keys that may appear in the `[global]` section of its
   * `ebpf.d/` file besides the common ones (network.conf's table sizes).
   * Other unknown `[global]` keys produce a warning.
   */
  readonly extraGlobalKeys?: ReadonlyArray<string>;
  /**
   * Sections its `ebpf.d/` file may have besides `[global]` (network.conf's
   * `[network connections]`). When given, or when `name` is one of
   * Netdata's threads (whose sections are known, see
   * {@link moduleFileSections}), every other section of the file is warned
   * about once with file:line; a third-party module that gives none is not
   * checked (its collector reads what it likes).
   */
  readonly extraSections?: ReadonlyArray<string>;
}

/** One Netdata thread, with the facts beyond what loading needs. */
export interface ModuleDescriptor extends ModuleConfigSpec {
  /** Netdata's thread index (0 = process). */
  readonly index: number;
  /** `module` field of its charts (`filedescriptor` for fd, `dcstat` for dc). */
  readonly chartModule: string;
  /** Its value in Netdata 1.37.1's stock `ebpf.d.conf` `[ebpf programs]`. */
  readonly stockEnabled: boolean;
  readonly extraGlobalKeys: ReadonlyArray<string>;
}

/**
 * `[ebpf programs]` keys (current name first) that switch on the socket
 * thread's optional per-connection charts. They enable no thread by themselves.
 */
export const NETWORK_CONNECTIONS_KEYS: ReadonlyArray<string> = Object.freeze([
  'network connections',
  'network connection monitoring',
]);

/** Keys of network.conf `[global]` that only the socket thread reads. */
const SOCKET_GLOBAL_KEYS = Object.freeze([
  'bandwidth table size',
  'ipv4 connection table size',
  'ipv6 connection table size',
  'udp connection table size',
  // v1.43+ name, accepted so newer files load without warnings.
  'socket monitoring table size',
]);

const NONE: ReadonlyArray<string> = Object.freeze([]);

function module(m: ModuleDescriptor): ModuleDescriptor {
  return Object.freeze({ ...m, configKeys: Object.freeze([...m.configKeys]) });
}

/**
 * Netdata 1.37.1's threads in thread-index order. `name` is Netdata's thread
 * name (`dc`, `fd`), which is also the key of the loader's per-collector map.
 */
export const NETDATA_MODULES: ReadonlyArray<ModuleDescriptor> = Object.freeze([
  module({ index: 0, name: 'process', configKeys: ['process'], configFile: 'process.conf', cliFlag: 'process', enabledByDefault: true, stockEnabled: true, defaultCollectPid: 'real parent', chartModule: 'process', extraGlobalKeys: NONE }),
  module({ index: 1, name: 'socket', configKeys: ['socket', 'network viewer'], configFile: 'network.conf', cliFlag: 'net', enabledByDefault: false, stockEnabled: true, defaultCollectPid: 'real parent', chartModule: 'socket', extraGlobalKeys: SOCKET_GLOBAL_KEYS, extraSections: ['network connections', 'service name'] }),
  module({ index: 2, name: 'cachestat', configKeys: ['cachestat'], configFile: 'cachestat.conf', cliFlag: 'cachestat', enabledByDefault: false, stockEnabled: false, defaultCollectPid: 'real parent', chartModule: 'cachestat', extraGlobalKeys: NONE }),
  module({ index: 3, name: 'sync', configKeys: ['sync'], configFile: 'sync.conf', cliFlag: 'sync', enabledByDefault: true, stockEnabled: true, defaultCollectPid: 'not set', chartModule: 'sync', extraGlobalKeys: NONE, extraSections: ['syscalls'] }),
  module({ index: 4, name: 'dc', configKeys: ['dcstat'], configFile: 'dcstat.conf', cliFlag: 'dcstat', enabledByDefault: false, stockEnabled: false, defaultCollectPid: 'real parent', chartModule: 'dcstat', extraGlobalKeys: NONE }),
  module({ index: 5, name: 'swap', configKeys: ['swap'], configFile: 'swap.conf', cliFlag: 'swap', enabledByDefault: false, stockEnabled: false, defaultCollectPid: 'real parent', chartModule: 'swap', extraGlobalKeys: NONE }),
  module({ index: 6, name: 'vfs', configKeys: ['vfs'], configFile: 'vfs.conf', cliFlag: 'vfs', enabledByDefault: false, stockEnabled: true, defaultCollectPid: 'real parent', chartModule: 'vfs', extraGlobalKeys: NONE }),
  module({ index: 7, name: 'filesystem', configKeys: ['filesystem'], configFile: 'filesystem.conf', cliFlag: 'filesystem', enabledByDefault: false, stockEnabled: false, defaultCollectPid: 'not set', chartModule: 'filesystem', extraGlobalKeys: NONE, extraSections: ['filesystem'] }),
  module({ index: 8, name: 'disk', configKeys: ['disk'], configFile: 'disk.conf', cliFlag: 'disk', enabledByDefault: false, stockEnabled: false, defaultCollectPid: 'not set', chartModule: 'disk', extraGlobalKeys: NONE }),
  module({ index: 9, name: 'mount', configKeys: ['mount'], configFile: 'mount.conf', cliFlag: 'mount', enabledByDefault: true, stockEnabled: true, defaultCollectPid: 'not set', chartModule: 'mount', extraGlobalKeys: NONE }),
  module({ index: 10, name: 'fd', configKeys: ['fd'], configFile: 'fd.conf', cliFlag: 'filedescriptor', enabledByDefault: true, stockEnabled: true, defaultCollectPid: 'real parent', chartModule: 'filedescriptor', extraGlobalKeys: NONE }),
  module({ index: 11, name: 'hardirq', configKeys: ['hardirq'], configFile: 'hardirq.conf', cliFlag: 'hardirq', enabledByDefault: true, stockEnabled: true, defaultCollectPid: 'not set', chartModule: 'hardirq', extraGlobalKeys: NONE }),
  module({ index: 12, name: 'softirq', configKeys: ['softirq'], configFile: 'softirq.conf', cliFlag: 'softirq', enabledByDefault: true, stockEnabled: true, defaultCollectPid: 'not set', chartModule: 'softirq', extraGlobalKeys: NONE }),
  module({ index: 13, name: 'oomkill', configKeys: ['oomkill'], configFile: 'oomkill.conf', cliFlag: 'oomkill', enabledByDefault: true, stockEnabled: true, defaultCollectPid: 'real parent', chartModule: 'oomkill', extraGlobalKeys: NONE }),
  module({ index: 14, name: 'shm', configKeys: ['shm'], configFile: 'shm.conf', cliFlag: 'shm', enabledByDefault: true, stockEnabled: false, defaultCollectPid: 'real parent', chartModule: 'shm', extraGlobalKeys: NONE, extraSections: ['syscalls'] }),
  module({ index: 15, name: 'mdflush', configKeys: ['mdflush'], configFile: 'mdflush.conf', cliFlag: 'mdflush', enabledByDefault: false, stockEnabled: false, defaultCollectPid: 'not set', chartModule: 'mdflush', extraGlobalKeys: NONE }),
]);

/**
 * Every section a module's `ebpf.d/` file may have, `[global]` included:
 * its own `extraSections`, else those of Netdata's thread of that name;
 * `undefined` for a third-party module that declares none (not checked).
 */
export function moduleFileSections(spec: Pick<ModuleConfigSpec, 'name' | 'extraSections'>): ReadonlySet<string> | undefined {
  if (spec.extraSections !== undefined) return new Set(['global', ...spec.extraSections]);
  const thread = NETDATA_MODULES.find((m) => m.name === spec.name);
  return thread ? new Set(['global', ...(thread.extraSections ?? [])]) : undefined;
}

/** The descriptor whose `name`, config key, CLI flag or chart module is `id`; `undefined` if none. */
export function findModule(id: string): ModuleDescriptor | undefined {
  return NETDATA_MODULES.find(
    (m) => m.name === id || m.cliFlag === id || m.chartModule === id || m.configKeys.includes(id),
  );
}

/**
 * The modules configuration knows about: each installed collector's own
 * definition (the single source of its config facts), Netdata's threads
 * that no installed package implements as placeholders (so their keys are
 * known and an enabled one can be reported as not installed), in Netdata's
 * thread order, then third-party modules.
 */
export function configModules(installed: ReadonlyArray<ModuleConfigSpec>): ModuleConfigSpec[] {
  const byName = new Map(installed.map((d) => [d.name, d]));
  const modules: ModuleConfigSpec[] = NETDATA_MODULES.map((m) => byName.get(m.name) ?? m);
  for (const d of installed) if (!NETDATA_MODULES.some((m) => m.name === d.name)) modules.push(d);
  return modules;
}
