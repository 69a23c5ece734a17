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
import type { CollectorConfig, ConfigOrigin, ConfigSection, CoreTracing, TypeFormat } from '../types.js';
import type { CliOverrides, ForcedMode } from './cli.js';
import { ConfigError } from './errors.js';
import { MAX_MESSAGES_PER_FILE, limitPerFile, printable } from '../text.js';
import { BOOLEAN_ACCEPTED, parseBoolean, readIniFile } from './ini.js';
import type { IniDocument } from './ini.js';
import type { ModuleConfigSpec } from './modules.js';
import { NETDATA_MODULES, NETWORK_CONNECTIONS_KEYS, moduleFileSections } from './modules.js';
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

/** What every step adds to: problems found and files read. */
interface LoadRecord {
  readonly errors: ConfigError[];
  readonly warnings: string[];
  readonly files: Array<{ path: string; origin: ConfigOrigin }>;
  readonly moduleFiles: Map<string, { path: string; origin: ConfigOrigin }>;
}

/** The `ebpf.d.conf` layer while it is being resolved. */
interface GlobalLayer {
  doc: IniDocument | undefined;
  origin: ConfigOrigin;
  values: OptionValues;
  sources: OptionSources;
  /** `collect pid` was set in `[global]` (then threads with PID tables inherit it). */
  collectPidSet: boolean;
  /** The apps/cgroups vetoes of `ebpf.d.conf` (and later `--all`/`--global`). */
  disableApps: boolean;
  disableCgroups: boolean;
  vetoSource: { apps: string; cgroups: string };
}

function readDocument(record: LoadRecord, doc: IniDocument): void {
  record.errors.push(...doc.errors);
  record.warnings.push(...doc.warnings);
}

/**
 * Load and resolve the configuration. Never throws for bad content: every
 * problem is in `errors` (typed {@link ConfigError} with file:line) or
 * `warnings`, and loading goes on with the value the key had before.
 *
 * Each `CollectorConfig.sections` holds every section of the module's file,
 * `[global]` included, so collectors can read their own keys (network.conf's
 * table sizes live in `[global]`). `sources` says, for every option of every
 * module, which file and line, flag or default set it.
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
  const record: LoadRecord = { errors: [], warnings: [], files: [], moduleFiles: new Map() };
  checkDirectories(record, options.dirs);
  const global = await readGlobalLayer(record, options);
  const states = moduleStates(record, global, options.modules ?? NETDATA_MODULES);
  const networkConnections = applyProgramsSection(record, global, states);
  await applyModuleFiles(record, global, states, options.dirs);
  applyCommandLine(record, global, states, options.cli ?? {});
  return resolved(record, global, states, networkConnections);
}

/** Sections `ebpf.d.conf` may have (Netdata 1.37.1 and later); anything else is said and ignored. */
const GLOBAL_FILE_SECTIONS: ReadonlySet<string> = new Set([GLOBAL_SECTION, PROGRAMS_SECTION, 'network connections', 'service name', 'ipc']);

function pathKind(path: string): 'directory' | 'missing' | 'other' {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'other';
  } catch {
    return 'missing';
  }
}

/**
 * Say what would otherwise fall back silently: a user directory that is
 * not there (other than Netdata's default, absent where Netdata is not
 * installed) or is a file, and an `ebpf.d` that is not a directory.
 */
function checkDirectories(record: LoadRecord, dirs: ConfigDirs): void {
  const user = pathKind(dirs.user);
  if (user === 'other') record.warnings.push(`${dirs.user}: the configuration directory is not a directory; the stock files are used`);
  if (user === 'missing' && dirs.user !== DEFAULT_USER_CONFIG_DIR) {
    record.warnings.push(`${dirs.user}: the configuration directory does not exist; the stock files are used`);
  }
  for (const dir of new Set([dirs.user, dirs.stock])) {
    if (pathKind(join(dir, 'ebpf.d')) === 'other') {
      record.warnings.push(`${join(dir, 'ebpf.d')}: is not a directory, so no per-thread file is read from it`);
    }
  }
}

/**
 * Steps 1 and 2: built-in defaults (argv[1] only replaces the 10 s default),
 * then `ebpf.d.conf` `[global]`, user dir first, each dir trying the old
 * name `ebpf.conf` too.
 */
async function readGlobalLayer(record: LoadRecord, options: LoadConfigOptions): Promise<GlobalLayer> {
  const { dirs } = options;
  const argUpdate = options.updateEveryArg;
  const argvGiven = argUpdate !== undefined && Number.isInteger(argUpdate) && argUpdate > 0;
  const values = builtinOptions('real parent', argvGiven ? argUpdate : DEFAULT_UPDATE_EVERY);
  const sources: OptionSources = {
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
  };
  // Netdata's defaults for the two vetoes when the file says nothing: apps allowed, cgroups not.
  values.apps = true;
  values.cgroups = false;

  const onUnreadable = (e: ConfigError): void => void record.errors.push(e);
  let doc: IniDocument | undefined;
  let origin: ConfigOrigin = 'default';
  search: for (const [dir, dirOrigin] of [
    [dirs.user, 'user'],
    [dirs.stock, 'stock'],
  ] as const) {
    for (const name of ['ebpf.d.conf', 'ebpf.conf']) {
      doc = await readIniFile(join(dir, name), onUnreadable);
      if (doc) {
        origin = dirOrigin;
        break search;
      }
    }
  }

  let collectPidSet = false;
  if (doc) {
    record.files.push({ path: doc.file, origin });
    readDocument(record, doc);
    const section = doc.sections.get(GLOBAL_SECTION);
    const read = readOptions(section, 'global', values, sources);
    Object.assign(values, read.set);
    Object.assign(sources, read.sources);
    collectPidSet = read.set.collectPid !== undefined;
    record.errors.push(...read.errors);
    record.warnings.push(...read.warnings);
    if (section) warnUnknownKeys(section, TYPED_KEYS, record.warnings);
    for (const other of doc.sections.values()) {
      if (GLOBAL_FILE_SECTIONS.has(other.name)) continue;
      record.warnings.push(
        `${other.file}:${other.line}: [${printable(other.name)}] is not a section of ebpf.d.conf; ignored (it has ${[...GLOBAL_FILE_SECTIONS].map((n) => `[${n}]`).join(', ')})`,
      );
    }
  }
  return {
    doc,
    origin,
    values,
    sources,
    collectPidSet,
    disableApps: !values.apps,
    disableCgroups: !values.cgroups,
    vetoSource: { apps: sources.apps, cgroups: sources.cgroups },
  };
}

/** Every module starts from the global layer, with apps and cgroups off until a thread is enabled. */
function moduleStates(record: LoadRecord, global: GlobalLayer, modules: ReadonlyArray<ModuleConfigSpec>): Map<string, ModuleState> {
  const states = new Map<string, ModuleState>();
  for (const spec of modules) {
    if (states.has(spec.name)) {
      record.warnings.push(`module "${spec.name}" is listed twice; the second definition is ignored`);
      continue;
    }
    // A global `collect pid` only concerns threads that keep a PID table.
    const inheritsCollectPid = global.collectPidSet && spec.defaultCollectPid !== 'not set';
    states.set(spec.name, {
      spec,
      enabled: false,
      values: {
        ...global.values,
        apps: false,
        cgroups: false,
        collectPid: inheritsCollectPid ? global.values.collectPid : spec.defaultCollectPid,
      },
      sources: {
        ...global.sources,
        apps: 'default',
        cgroups: 'default',
        collectPid: inheritsCollectPid ? global.sources.collectPid : 'default',
      },
      origin: global.origin,
      sections: new Map(),
    });
  }
  return states;
}

/** Enable a thread, with apps and cgroup charts unless vetoed (oomkill always has apps). */
function enableThread(global: GlobalLayer, state: ModuleState, source: string, chartsSource?: string): void {
  state.enabled = true;
  if (!global.disableApps || state.spec.name === APPS_ALWAYS_ON) {
    state.values.apps = true;
    state.sources.apps = global.disableApps ? `${source} (oomkill always has apps)` : (chartsSource ?? global.sources.apps);
  }
  if (!global.disableCgroups) {
    state.values.cgroups = true;
    state.sources.cgroups = chartsSource ?? global.sources.cgroups;
  }
}

/**
 * Step 3: `[ebpf programs]` enables threads; nothing enabled means
 * everything, as in Netdata.
 *
 * @returns `network connections` (the socket thread's per-connection charts)
 */
function applyProgramsSection(record: LoadRecord, global: GlobalLayer, states: ReadonlyMap<string, ModuleState>): boolean {
  const programs = global.doc?.sections.get(PROGRAMS_SECTION);
  let started = 0;
  for (const state of states.values()) {
    const decision = programFlag(programs, state.spec.configKeys, state.spec.enabledByDefault, record.errors);
    if (decision.value) {
      enableThread(global, state, decision.source);
      started++;
    }
  }
  const networkConnections = programFlag(programs, NETWORK_CONNECTIONS_KEYS, false, record.errors).value;
  if (started === 0) {
    if (programs) {
      record.warnings.push(
        `${programs.file}:${programs.line}: [${PROGRAMS_SECTION}] enables no thread, so every thread is enabled (as Netdata does)`,
      );
    }
    for (const state of states.values()) enableThread(global, state, `${programs?.file ?? 'ebpf.d.conf'}: nothing enabled`);
  }
  if (programs) {
    const known = new Set<string>(NETWORK_CONNECTIONS_KEYS);
    for (const state of states.values()) for (const key of state.spec.configKeys) known.add(key);
    warnUnknownKeys(programs, known, record.warnings);
  }
  return networkConnections;
}

/** Steps 4 and 5: each module's own file, key by key (user dir, else stock), with the origin rule. */
async function applyModuleFiles(
  record: LoadRecord,
  global: GlobalLayer,
  states: ReadonlyMap<string, ModuleState>,
  dirs: ConfigDirs,
): Promise<void> {
  const onUnreadable = (e: ConfigError): void => void record.errors.push(e);
  for (const state of states.values()) {
    const { spec } = state;
    let doc = await readIniFile(join(dirs.user, 'ebpf.d', spec.configFile), onUnreadable);
    let origin: ConfigOrigin = 'user';
    if (!doc) {
      doc = await readIniFile(join(dirs.stock, 'ebpf.d', spec.configFile), onUnreadable);
      // A user-edited ebpf.d.conf makes every thread "user", so nobody has to copy sixteen files.
      origin = global.origin === 'user' ? 'user' : 'stock';
    }
    if (!doc) continue;
    record.files.push({ path: doc.file, origin });
    record.moduleFiles.set(spec.name, { path: doc.file, origin });
    readDocument(record, doc);
    state.origin = origin;
    state.sections = doc.sections;
    const section = doc.sections.get(GLOBAL_SECTION);
    const read = readOptions(section, 'module', state.values, state.sources);
    Object.assign(state.values, read.set);
    Object.assign(state.sources, read.sources);
    record.errors.push(...read.errors);
    record.warnings.push(...read.warnings);
    if (section) warnUnknownKeys(section, new Set([...TYPED_KEYS, ...(spec.extraGlobalKeys ?? [])]), record.warnings);
    const known = moduleFileSections(spec);
    if (known === undefined) continue;
    for (const other of doc.sections.values()) {
      if (known.has(other.name)) continue;
      record.warnings.push(
        `${other.file}:${other.line}: [${printable(other.name)}] is not a section of ${spec.configFile} (${spec.name}); ignored (it has ${[...known].map((n) => `[${n}]`).join(', ')})`,
      );
    }
  }
}

/**
 * Step 6: the command line, after every file: Netdata's switches (`--return`,
 * `--legacy`/`--core`, `--all`/`--global`, thread flags), then ours
 * (`--update-every`, `--mode`, `--collectors`), each recorded as the source
 * of what it set.
 */
function applyCommandLine(record: LoadRecord, global: GlobalLayer, states: ReadonlyMap<string, ModuleState>, cli: CliOverrides): void {
  const typeFormatFlag = cli.typeFormat === 'co-re' ? '--core' : '--legacy';
  if (cli.returnMode) setAll(states, 'loadMode', 'return', '--return');
  if (cli.typeFormat) setAll(states, 'typeFormat', cli.typeFormat, typeFormatFlag);
  if (cli.all) {
    global.disableApps = false;
    global.disableCgroups = false;
  }
  // Netdata's help says --all applies "unless -g is also given".
  if (cli.global) {
    global.disableApps = true;
    global.disableCgroups = true;
    global.vetoSource = { apps: '--global', cgroups: '--global' };
  }
  // The vetoes from ebpf.d.conf are applied after the module files, so a
  // module file cannot switch on what ebpf.d.conf switched off (Netdata 1.37.1).
  if (global.disableApps) setAll(states, 'apps', false, global.vetoSource.apps);
  if (global.disableCgroups) setAll(states, 'cgroups', false, global.vetoSource.cgroups);

  const named: ModuleState[] = [];
  for (const flag of cli.threads ?? []) {
    const state = [...states.values()].find((s) => s.spec.cliFlag === flag);
    if (state) named.push(state);
    else record.warnings.push(`--${flag}: no such thread flag; ignored`);
  }
  if (named.length > 0) {
    for (const state of states.values()) state.enabled = false;
    // Like Netdata, a thread picked on the command line gets apps and cgroup
    // charts back unless they are vetoed, whatever its file said.
    for (const state of named) enableThread(global, state, `--${state.spec.cliFlag}`, `--${state.spec.cliFlag}`);
  }

  if (cli.updateEvery !== undefined) {
    setAll(states, 'updateEvery', cli.updateEvery, '--update-every');
    global.values.updateEvery = cli.updateEvery;
    global.sources.updateEvery = '--update-every';
  }
  if (cli.mode !== undefined) {
    const flag = `--mode ${cli.mode}`;
    for (const state of states.values()) {
      const forced = forcedMode(cli.mode, state.values.coreTracing);
      state.values.typeFormat = forced.typeFormat;
      state.sources.typeFormat = flag;
      if (forced.coreTracing !== state.values.coreTracing) {
        state.values.coreTracing = forced.coreTracing;
        state.sources.coreTracing = flag;
      }
    }
  }
  if (cli.collectors !== undefined) {
    const wanted = new Set(cli.collectors);
    for (const name of wanted) {
      if (!states.has(name)) record.warnings.push(`--collectors: no module named "${name}"; ignored`);
    }
    // Only the named collectors run; their charts follow their files, as with any enabled thread.
    for (const state of states.values()) state.enabled = wanted.has(state.spec.name);
  }

  if (cli.returnMode) {
    global.values.loadMode = 'return';
    global.sources.loadMode = '--return';
  }
  if (cli.typeFormat) {
    global.values.typeFormat = cli.typeFormat;
    global.sources.typeFormat = typeFormatFlag;
  }
  global.values.apps = !global.disableApps;
  global.values.cgroups = !global.disableCgroups;
}

/** `--mode`: a forced attach mode (`auto` keeps the configured preference first; `legacy` is kprobes). */
export function forcedMode(mode: ForcedMode, coreTracing: CoreTracing): { typeFormat: TypeFormat; coreTracing: CoreTracing } {
  switch (mode) {
    case 'auto':
      return { typeFormat: 'auto', coreTracing };
    case 'legacy':
      return { typeFormat: 'legacy', coreTracing };
    default:
      return { typeFormat: 'co-re', coreTracing: mode };
  }
}

/** The result: a frozen config and its sources per module. */
function resolved(
  record: LoadRecord,
  global: GlobalLayer,
  states: ReadonlyMap<string, ModuleState>,
  networkConnections: boolean,
): LoadedConfig {
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
      ...global.values,
      origin: global.origin,
      file: global.doc?.file,
      sections: global.doc?.sections ?? new Map(),
      sources: Object.freeze({ ...global.sources }),
    },
    collectors,
    enabled,
    networkConnections,
    // A file of a million bad lines gives twenty messages and a count, not a million log lines.
    errors: limitPerFile(
      record.errors,
      (e) => e.file,
      (file, n) => new ConfigError({ file, line: 0, value: '', accepted: '', message: `${file}: ${n} more errors not shown` }),
    ),
    warnings: limitPerFile(
      record.warnings,
      (w) => /^(.*?):\d+: /.exec(w)?.[1],
      (file, n) => `${file}: ${n} more warnings not shown`,
    ),
    files: record.files,
    moduleFiles: record.moduleFiles,
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
  let unknown = 0;
  for (const entry of section.entries.values()) {
    if (known.has(entry.key)) continue;
    // Only the warnings that will be shown get a suggestion (an edit distance per known key).
    const hint = ++unknown <= MAX_MESSAGES_PER_FILE ? suggestKey(printable(entry.key), known) : undefined;
    warnings.push(
      `${entry.file}:${entry.line}: [${printable(section.name)}] unknown key "${printable(entry.key)}"; ignored${hint ? ` (did you mean "${hint}"?)` : ''}`,
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
