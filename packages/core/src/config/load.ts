/**
 * Resolves the configuration of every collector from Netdata's files, in
 * Netdata 1.37.1's order (reference §2.3):
 *
 * 1. built-in defaults;
 * 2. `ebpf.d.conf` `[global]` (user dir, else stock dir; old name `ebpf.conf`),
 *    copied into every module; its `apps`/`cgroups` become vetoes;
 * 3. `[ebpf programs]` enables threads (nothing enabled ⇒ everything);
 * 4. each module's `ebpf.d/<file>` `[global]`, key by key (user dir, else stock);
 * 5. origin: a module file from the user dir is `user`, otherwise it is the
 *    origin of `ebpf.d.conf`;
 * 6. command-line switches.
 *
 * Step 7 (apps/cgroups off for stock configs on non-trampoline attach) needs
 * the chosen attach mode, so it is {@link effectiveAppsCgroups}, called later.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CollectorConfig, ConfigOrigin, ConfigSection, CoreTracing } from '../types.js';
import type { CliOverrides } from './cli.js';
import { ConfigError } from './errors.js';
import { BOOLEAN_ACCEPTED, parseBoolean, readIniFile } from './ini.js';
import type { IniDocument } from './ini.js';
import type { ModuleConfigSpec } from './modules.js';
import { NETDATA_MODULES, NETWORK_CONNECTIONS_KEYS } from './modules.js';
import type { OptionName, OptionSources, OptionValues } from './options.js';
import {
  DEFAULT_UPDATE_EVERY,
  TYPED_KEYS,
  builtinOptions,
  readOptions,
  suggestKey,
} from './options.js';

/** Where user and stock configuration live. */
export interface ConfigDirs {
  /** The user's directory (`/etc/netdata`): read first. */
  readonly user: string;
  /** The stock directory (`/usr/lib/netdata/conf.d`, or our shipped defaults): read when the user has no file. */
  readonly stock: string;
}

/** Options of {@link resolveConfigDirs}. */
export interface ResolveConfigDirsOptions {
  /** Environment to read `NETDATA_USER_CONFIG_DIR` / `NETDATA_STOCK_CONFIG_DIR` from. */
  env: Readonly<Record<string, string | undefined>>;
  /** `--config-dir`: wins over the environment for the user directory. */
  configDir?: string | undefined;
  /** Whether a directory exists; injectable for tests. Default: a real `stat`. */
  isDirectory?: (path: string) => boolean;
}

/** Netdata's user config dir when nothing says otherwise. */
export const DEFAULT_USER_CONFIG_DIR = '/etc/netdata';
/** Where Debian's and Netdata's packages put the stock files. */
export const NETDATA_STOCK_CONFIG_DIR = '/usr/lib/netdata/conf.d';

/**
 * The defaults shipped in this package (`packages/core/config`). Resolved
 * from this module's own location: `src/config/` in development and
 * `dist/config/` once built are both two levels below the package root.
 */
export function shippedConfigDir(): string {
  return fileURLToPath(new URL('../../config/', import.meta.url)).replace(/\/$/, '');
}

function realIsDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Pick the user and stock directories.
 *
 * user: `configDir`, else `NETDATA_USER_CONFIG_DIR`, else `/etc/netdata`.
 * stock: `NETDATA_STOCK_CONFIG_DIR`, else `/usr/lib/netdata/conf.d` when it
 * exists (Netdata installed), else this package's shipped `config/`.
 */
export function resolveConfigDirs(options: ResolveConfigDirsOptions): ConfigDirs {
  const { env, configDir } = options;
  const isDirectory = options.isDirectory ?? realIsDirectory;
  const user = nonEmpty(configDir) ?? nonEmpty(env['NETDATA_USER_CONFIG_DIR']) ?? DEFAULT_USER_CONFIG_DIR;
  const stock =
    nonEmpty(env['NETDATA_STOCK_CONFIG_DIR']) ??
    (isDirectory(NETDATA_STOCK_CONFIG_DIR) ? NETDATA_STOCK_CONFIG_DIR : shippedConfigDir());
  return { user, stock };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  dirs: ConfigDirs;
  /** Modules to configure. Default: Netdata's sixteen threads ({@link NETDATA_MODULES}). */
  modules?: ReadonlyArray<ModuleConfigSpec>;
  /** Command-line switches, applied last. */
  cli?: CliOverrides;
  /**
   * The leading number on the command line (Netdata's argv[1]). When positive
   * it replaces the built-in 10 s as the `update every` used when
   * `ebpf.d.conf` does not set one; a file value still wins, as in Netdata.
   */
  updateEveryArg?: number | undefined;
}

/** The resolved `ebpf.d.conf` layer (after command-line switches). */
export interface GlobalConfig extends OptionValues {
  /** `user` or `stock` by the directory `ebpf.d.conf` came from; `default` when there was none. */
  origin: ConfigOrigin;
  /** Path of the `ebpf.d.conf` (or `ebpf.conf`) read, if any. */
  file: string | undefined;
  /** Every section of that file, raw (`[network connections]` and `[service name]` are still read from here by Netdata, for compatibility). */
  sections: ReadonlyMap<string, ConfigSection>;
  /** Where each global value came from. */
  sources: Readonly<OptionSources>;
}

/** What {@link loadConfig} resolved. */
export interface LoadedConfig {
  global: GlobalConfig;
  /** Resolved options per module `name`, for every module (enabled or not). */
  collectors: Map<string, CollectorConfig>;
  /** Names of enabled modules. */
  enabled: Set<string>;
  /** `[ebpf programs] network connections` (or its old name): the socket thread's optional per-connection charts. */
  networkConnections: boolean;
  /** Every bad line or value; each was skipped and its key kept its previous value. */
  errors: ConfigError[];
  /** Unknown keys, duplicate keys and other things that did not stop anything. */
  warnings: string[];
  /** Files read, in order. */
  files: Array<{ path: string; origin: ConfigOrigin }>;
  /** The `ebpf.d/` file read for each module that has one. */
  moduleFiles: Map<string, { path: string; origin: ConfigOrigin }>;
  /** Per module, where each option's value came from (`default`, `argv[1]`, `--return`, `file:line`...). */
  sources: Map<string, Readonly<OptionSources>>;
}

/** Names of the `ebpf.d.conf` sections with a fixed meaning. */
export const GLOBAL_SECTION = 'global';
export const PROGRAMS_SECTION = 'ebpf programs';

/** oomkill's charts live under apps, so Netdata turns its apps flag on whenever it enables the thread. */
const APPS_ALWAYS_ON = 'oomkill';

interface ModuleState {
  spec: ModuleConfigSpec;
  enabled: boolean;
  values: OptionValues;
  sources: OptionSources;
  origin: ConfigOrigin;
  sections: ReadonlyMap<string, ConfigSection>;
}

/**
 * Load and resolve the configuration. Never throws for bad content: every
 * problem is in `errors` (typed {@link ConfigError} with file:line) or
 * `warnings`, and loading goes on with the value the key had before.
 *
 * Each `CollectorConfig.sections` holds every section of the module's file,
 * `[global]` included, so collectors can read their own keys (network.conf's
 * table sizes live in `[global]`).
 *
 * Where this knowingly differs from Netdata 1.37.1's C code:
 * - origin is decided by directory, as Netdata's comments intend; 1.37.1
 *   marks any `ebpf.d.conf` as "user" (and only `ebpf.conf` as "stock"), so
 *   its stock-origin rule almost never fires;
 * - no `ebpf.d.conf` anywhere behaves as an empty one (code defaults enable
 *   threads); 1.37.1 then enables none;
 * - bad values are reported and ignored instead of silently becoming
 *   something else (`apps = 1` is false to Netdata, `ebpf type format = x` is auto);
 * - `ebpf co-re tracing`, `collect pid`, `maps per core`, `lifetime` and the
 *   old names `load` / `disable apps` are read in both layers (1.37.1 reads
 *   some only in one); a global `collect pid` skips threads without PID tables;
 * - `--global` wins over `--all` whatever their order (1.37.1: the last one).
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const { dirs, cli = {} } = options;
  const modules = options.modules ?? NETDATA_MODULES;
  const errors: ConfigError[] = [];
  const warnings: string[] = [];
  const files: Array<{ path: string; origin: ConfigOrigin }> = [];
  const moduleFiles = new Map<string, { path: string; origin: ConfigOrigin }>();
  const onUnreadable = (e: ConfigError): void => void errors.push(e);

  const absorb = (doc: IniDocument): void => {
    errors.push(...doc.errors);
    warnings.push(...doc.warnings);
  };

  // Step 1: built-in defaults. argv[1] only replaces the 10 s default.
  const argUpdate = options.updateEveryArg;
  const argvGiven = argUpdate !== undefined && Number.isInteger(argUpdate) && argUpdate > 0;
  const baseUpdateEvery = argvGiven ? argUpdate : DEFAULT_UPDATE_EVERY;
  const builtinSources = (): OptionSources => ({
    loadMode: 'default',
    apps: 'default',
    cgroups: 'default',
    updateEvery: argvGiven ? 'argv[1]' : 'default',
    pidTableSize: 'default',
    btfPath: 'default',
    typeFormat: 'default',
    coreTracing: 'default',
    collectPid: 'default',
    mapsPerCore: 'default',
    lifetime: 'default',
  });

  // Step 2: ebpf.d.conf [global], user dir first, each dir trying the old name too.
  let globalDoc: IniDocument | undefined;
  let globalOrigin: ConfigOrigin = 'default';
  for (const [dir, origin] of [
    [dirs.user, 'user'],
    [dirs.stock, 'stock'],
  ] as const) {
    for (const name of ['ebpf.d.conf', 'ebpf.conf']) {
      globalDoc = await readIniFile(join(dir, name), onUnreadable);
      if (globalDoc) {
        globalOrigin = origin;
        break;
      }
    }
    if (globalDoc) break;
  }

  const globalValues = builtinOptions('real parent', baseUpdateEvery);
  const globalSources = builtinSources();
  // Netdata's defaults for the two vetoes when the file says nothing: apps allowed, cgroups not.
  globalValues.apps = true;
  globalValues.cgroups = false;
  let globalCollectPidSet = false;
  if (globalDoc) {
    files.push({ path: globalDoc.file, origin: globalOrigin });
    absorb(globalDoc);
    const section = globalDoc.sections.get(GLOBAL_SECTION);
    const read = readOptions(section, 'global', globalValues, globalSources);
    Object.assign(globalValues, read.set);
    Object.assign(globalSources, read.sources);
    globalCollectPidSet = read.set.collectPid !== undefined;
    errors.push(...read.errors);
    warnings.push(...read.warnings);
    if (section) warnUnknownKeys(section, TYPED_KEYS, warnings);
  }

  let disableApps = !globalValues.apps;
  let disableCgroups = !globalValues.cgroups;

  const states = new Map<string, ModuleState>();
  for (const spec of modules) {
    if (states.has(spec.name)) {
      warnings.push(`module "${spec.name}" is listed twice; the second definition is ignored`);
      continue;
    }
    // A global `collect pid` only concerns threads that keep a PID table.
    const inheritsCollectPid = globalCollectPidSet && spec.defaultCollectPid !== 'not set';
    const values: OptionValues = {
      ...globalValues,
      apps: false,
      cgroups: false,
      collectPid: inheritsCollectPid ? globalValues.collectPid : spec.defaultCollectPid,
    };
    const sources: OptionSources = {
      ...globalSources,
      apps: 'default',
      cgroups: 'default',
      collectPid: inheritsCollectPid ? globalSources.collectPid : 'default',
    };
    states.set(spec.name, {
      spec,
      enabled: false,
      values,
      sources,
      origin: globalOrigin,
      sections: new Map(),
    });
  }

  // Step 3: [ebpf programs].
  const programs = globalDoc?.sections.get(PROGRAMS_SECTION);
  const enableThread = (state: ModuleState, source: string): void => {
    state.enabled = true;
    if (!disableApps || state.spec.name === APPS_ALWAYS_ON) {
      state.values.apps = true;
      state.sources.apps = disableApps ? `${source} (oomkill always has apps)` : globalSources.apps;
    }
    if (!disableCgroups) {
      state.values.cgroups = true;
      state.sources.cgroups = globalSources.cgroups;
    }
  };
  let started = 0;
  for (const state of states.values()) {
    const decision = programFlag(programs, state.spec.configKeys, state.spec.enabledByDefault, errors);
    if (decision.value) {
      enableThread(state, decision.source);
      started++;
    }
  }
  const networkConnections = programFlag(programs, NETWORK_CONNECTIONS_KEYS, false, errors).value;
  if (started === 0) {
    if (programs) {
      warnings.push(
        `${programs.file}:${programs.line}: [${PROGRAMS_SECTION}] enables no thread, so every thread is enabled (as Netdata does)`,
      );
    }
    for (const state of states.values()) enableThread(state, `${programs?.file ?? 'ebpf.d.conf'}: nothing enabled`);
  }
  if (programs) {
    const known = new Set<string>(NETWORK_CONNECTIONS_KEYS);
    for (const spec of modules) for (const key of spec.configKeys) known.add(key);
    warnUnknownKeys(programs, known, warnings);
  }

  // Steps 4 and 5: each module's own file, key by key, with the origin rule.
  for (const state of states.values()) {
    const { spec } = state;
    let doc = await readIniFile(join(dirs.user, 'ebpf.d', spec.configFile), onUnreadable);
    let origin: ConfigOrigin = 'user';
    if (!doc) {
      doc = await readIniFile(join(dirs.stock, 'ebpf.d', spec.configFile), onUnreadable);
      // A user-edited ebpf.d.conf makes every thread "user", so nobody has to copy sixteen files.
      origin = globalOrigin === 'user' ? 'user' : 'stock';
    }
    if (!doc) continue;
    files.push({ path: doc.file, origin });
    moduleFiles.set(spec.name, { path: doc.file, origin });
    absorb(doc);
    state.origin = origin;
    state.sections = doc.sections;
    const section = doc.sections.get(GLOBAL_SECTION);
    const read = readOptions(section, 'module', state.values, state.sources);
    Object.assign(state.values, read.set);
    Object.assign(state.sources, read.sources);
    errors.push(...read.errors);
    warnings.push(...read.warnings);
    if (section) {
      warnUnknownKeys(section, new Set([...TYPED_KEYS, ...(spec.extraGlobalKeys ?? [])]), warnings);
    }
  }

  // Step 6: command line.
  if (cli.returnMode) setAll(states, 'loadMode', 'return', '--return');
  if (cli.typeFormat) setAll(states, 'typeFormat', cli.typeFormat, `--${cli.typeFormat === 'co-re' ? 'core' : 'legacy'}`);
  let vetoSource = { apps: globalSources.apps, cgroups: globalSources.cgroups };
  if (cli.all) {
    disableApps = false;
    disableCgroups = false;
  }
  // Netdata's help says --all applies "unless -g is also given".
  if (cli.global) {
    disableApps = true;
    disableCgroups = true;
    vetoSource = { apps: '--global', cgroups: '--global' };
  }
  // The vetoes from ebpf.d.conf are applied after the module files, so a
  // module file cannot switch on what ebpf.d.conf switched off (Netdata 1.37.1).
  if (disableApps) setAll(states, 'apps', false, vetoSource.apps);
  if (disableCgroups) setAll(states, 'cgroups', false, vetoSource.cgroups);

  const threadFlags = cli.threads ?? [];
  if (threadFlags.length > 0) {
    const named: ModuleState[] = [];
    for (const flag of threadFlags) {
      const state = [...states.values()].find((s) => s.spec.cliFlag === flag);
      if (state) named.push(state);
      else warnings.push(`--${flag}: no such thread flag; ignored`);
    }
    if (named.length > 0) {
      for (const state of states.values()) state.enabled = false;
      for (const state of named) {
        // Like Netdata, a thread picked on the command line gets apps and
        // cgroup charts back unless they are vetoed, whatever its file said.
        state.enabled = true;
        if (!disableApps || state.spec.name === APPS_ALWAYS_ON) {
          state.values.apps = true;
          state.sources.apps = `--${state.spec.cliFlag}`;
        }
        if (!disableCgroups) {
          state.values.cgroups = true;
          state.sources.cgroups = `--${state.spec.cliFlag}`;
        }
      }
    }
  }

  if (cli.returnMode) {
    globalValues.loadMode = 'return';
    globalSources.loadMode = '--return';
  }
  if (cli.typeFormat) {
    globalValues.typeFormat = cli.typeFormat;
    globalSources.typeFormat = `--${cli.typeFormat === 'co-re' ? 'core' : 'legacy'}`;
  }
  globalValues.apps = !disableApps;
  globalValues.cgroups = !disableCgroups;

  const collectors = new Map<string, CollectorConfig>();
  const sources = new Map<string, Readonly<OptionSources>>();
  const enabled = new Set<string>();
  for (const [name, state] of states) {
    collectors.set(name, {
      module: name,
      enabled: state.enabled,
      ...state.values,
      origin: state.origin,
      sections: state.sections,
      networkConnections,
    });
    sources.set(name, Object.freeze({ ...state.sources }));
    if (state.enabled) enabled.add(name);
  }

  return {
    global: {
      ...globalValues,
      origin: globalOrigin,
      file: globalDoc?.file,
      sections: globalDoc?.sections ?? new Map(),
      sources: Object.freeze({ ...globalSources }),
    },
    collectors,
    enabled,
    networkConnections,
    errors,
    warnings,
    files,
    moduleFiles,
    sources,
  };
}

function setAll<K extends OptionName>(
  states: ReadonlyMap<string, ModuleState>,
  name: K,
  value: OptionValues[K],
  source: string,
): void {
  for (const state of states.values()) {
    state.values[name] = value;
    state.sources[name] = source;
  }
}

/**
 * One `[ebpf programs]` decision over a key and its old aliases, as Netdata
 * reads them: any alias set to yes enables; otherwise a present key decides;
 * otherwise the code default. A bad value is reported and treated as absent.
 */
function programFlag(
  programs: ConfigSection | undefined,
  keys: ReadonlyArray<string>,
  fallback: boolean,
  errors: ConfigError[],
): { value: boolean; source: string } {
  let decided: { value: boolean; source: string } | undefined;
  for (const key of keys) {
    const entry = programs?.entries.get(key);
    if (!entry || !programs) continue;
    const value = parseBoolean(entry.value);
    if (value === undefined) {
      errors.push(
        new ConfigError({
          file: entry.file,
          line: entry.line,
          section: programs.name,
          key,
          value: entry.value,
          accepted: BOOLEAN_ACCEPTED,
          fallback: fallback ? 'yes' : 'no',
          fallbackIsDefault: true,
        }),
      );
      continue;
    }
    const source = `${entry.file}:${entry.line}`;
    if (value) return { value, source };
    decided ??= { value, source };
  }
  return decided ?? { value: fallback, source: 'default' };
}

function warnUnknownKeys(section: ConfigSection, known: ReadonlySet<string>, warnings: string[]): void {
  for (const entry of section.entries.values()) {
    if (known.has(entry.key)) continue;
    const hint = suggestKey(entry.key, known);
    warnings.push(
      `${entry.file}:${entry.line}: [${section.name}] unknown key "${entry.key}"; ignored${hint ? ` (did you mean "${hint}"?)` : ''}`,
    );
  }
}

/** What {@link effectiveAppsCgroups} decided. */
export interface AppsCgroupsDecision {
  apps: boolean;
  cgroups: boolean;
  /** Why apps/cgroup charts were switched off, when they were. */
  reason?: string;
}

/**
 * Netdata's last adjustment, made once the attach mode is known (§2.3 step
 * 7): with a configuration that came from the stock files, apps and cgroup
 * charts are switched off when keeping them would need a kprobe on
 * `release_task`, which every process exit pays for. Netdata applies it to
 * every non-trampoline mode; we apply it to `probe` only, on purpose: our
 * tracepoint mode cleans PID tables from the `sched_process_free` raw
 * tracepoint, which costs about what a trampoline does, so switching apps
 * off there would take the charts away for nothing. Users who accept the
 * kprobe cost say so in their own files.
 *
 * @param config - The collector's resolved configuration.
 * @param chosenMode - The attach mode the collector actually runs in.
 */
export function effectiveAppsCgroups(config: CollectorConfig, chosenMode: CoreTracing): AppsCgroupsDecision {
  if (config.origin !== 'stock' || chosenMode !== 'probe' || (!config.apps && !config.cgroups)) {
    return { apps: config.apps, cgroups: config.cgroups };
  }
  const off = [config.apps ? 'apps' : undefined, config.cgroups ? 'cgroup' : undefined].filter(Boolean).join(' and ');
  return {
    apps: false,
    cgroups: false,
    reason:
      `${off} charts are off: the configuration comes from the stock files and the collector attached with ` +
      `kprobes, so cleaning its PID table would put a kprobe on release_task (every process exit). ` +
      `Set "apps = yes" / "cgroups = yes" in your own ebpf.d.conf or ebpf.d/${configFileHint(config)} to keep them.`,
  };
}

function configFileHint(config: CollectorConfig): string {
  return NETDATA_MODULES.find((m) => m.name === config.module)?.configFile ?? `${config.module}.conf`;
}
