/**
 * The typed `[global]` options shared by `ebpf.d.conf` and every
 * `ebpf.d/<file>`: their keys (with Netdata's old names), built-in defaults,
 * and how a value is read. Reading is strict where Netdata is lenient: a value
 * Netdata would have silently turned into something else is reported and the
 * key keeps the value it had before that line.
 */
import type { CollectPid, ConfigSection, CoreTracing, LoadMode, TypeFormat } from '../types.js';
import { ConfigError } from './errors.js';
import { BOOLEAN_ACCEPTED, parseBoolean } from './ini.js';

/** The values every collector gets from the `[global]` layers. */
export interface OptionValues {
  loadMode: LoadMode;
  apps: boolean;
  cgroups: boolean;
  /** Seconds. */
  updateEvery: number;
  /** Entries. */
  pidTableSize: number;
  btfPath: string;
  typeFormat: TypeFormat;
  coreTracing: CoreTracing;
  collectPid: CollectPid;
  mapsPerCore: boolean;
  /** Seconds. */
  lifetime: number;
}

/** Name of one typed option (a field of {@link OptionValues}). */
export type OptionName = keyof OptionValues;

/** Where each option's value came from: `default`, `argv[1]`, `--return`..., or `file:line`. */
export type OptionSources = Record<OptionName, string>;

/** Netdata's `update every` when neither argv[1] nor a file gives one. */
export const DEFAULT_UPDATE_EVERY = 10;
/** Netdata's `PID_MAX_DEFAULT`, the default `pid table size`. */
export const DEFAULT_PID_TABLE_SIZE = 32768;
/** Largest `pid table size` accepted: the kernel's PID_MAX_LIMIT; more entries could never be used. */
export const MAX_PID_TABLE_SIZE = 4194304;
/** Largest value for second-valued options: a C `int`, as Netdata stores them. */
const MAX_INT = 2147483647;
/** Default `btf path`. */
export const DEFAULT_BTF_PATH = '/sys/kernel/btf/';
/** Default `lifetime` (v1.41+), seconds. */
export const DEFAULT_LIFETIME = 300;

/** Built-in values of every option, before any file is read. */
export function builtinOptions(collectPid: CollectPid, updateEvery: number): OptionValues {
  return {
    loadMode: 'entry',
    apps: false,
    cgroups: false,
    updateEvery,
    pidTableSize: DEFAULT_PID_TABLE_SIZE,
    btfPath: DEFAULT_BTF_PATH,
    typeFormat: 'auto',
    coreTracing: 'trampoline',
    collectPid,
    mapsPerCore: true,
    lifetime: DEFAULT_LIFETIME,
  };
}

/** The text a value is written as in a config file. */
export function formatOption(name: OptionName, values: OptionValues): string {
  const v = values[name];
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (name === 'typeFormat' && v === 'co-re') return 'CO-RE';
  return String(v);
}

/** Config-file key of each option (current name). */
export const OPTION_KEYS: Readonly<Record<OptionName, string>> = Object.freeze({
  loadMode: 'ebpf load mode',
  apps: 'apps',
  cgroups: 'cgroups',
  updateEvery: 'update every',
  pidTableSize: 'pid table size',
  btfPath: 'btf path',
  typeFormat: 'ebpf type format',
  coreTracing: 'ebpf co-re tracing',
  collectPid: 'collect pid',
  mapsPerCore: 'maps per core',
  lifetime: 'lifetime',
});

/** Old key names Netdata still reads. `disable apps` is the inverse of `apps`. */
export const OLD_LOAD_MODE_KEY = 'load';
export const OLD_DISABLE_APPS_KEY = 'disable apps';

/** Every key the typed reader understands in a `[global]` section. */
export const TYPED_KEYS: ReadonlySet<string> = new Set([
  ...Object.values(OPTION_KEYS),
  OLD_LOAD_MODE_KEY,
  OLD_DISABLE_APPS_KEY,
]);

type Parsed<T> = { ok: true; value: T } | { ok: false };

interface OptionParser<T> {
  accepted: string;
  parse(text: string): Parsed<T>;
}

function words<T extends string>(map: Record<string, T>, accepted: string): OptionParser<T> {
  return {
    accepted,
    parse(text) {
      const value = map[text.trim().toLowerCase()];
      return value === undefined ? { ok: false } : { ok: true, value };
    },
  };
}

function integer(min: number, max: number, accepted: string): OptionParser<number> {
  return {
    accepted,
    parse(text) {
      if (!/^\+?\d+$/.test(text)) return { ok: false };
      const n = Number(text);
      return Number.isSafeInteger(n) && n >= min && n <= max ? { ok: true, value: n } : { ok: false };
    },
  };
}

const booleanParser: OptionParser<boolean> = {
  accepted: BOOLEAN_ACCEPTED,
  parse(text) {
    const value = parseBoolean(text);
    return value === undefined ? { ok: false } : { ok: true, value };
  },
};

const PARSERS: { [K in OptionName]: OptionParser<OptionValues[K]> } = {
  loadMode: words<LoadMode>({ entry: 'entry', return: 'return' }, 'entry, return'),
  apps: booleanParser,
  cgroups: booleanParser,
  updateEvery: integer(1, MAX_INT, 'a whole number of seconds, 1 or more'),
  pidTableSize: integer(1, MAX_PID_TABLE_SIZE, `a whole number from 1 to ${MAX_PID_TABLE_SIZE}`),
  btfPath: {
    accepted: 'a directory path (holding vmlinux)',
    parse: (text) => (text === '' ? { ok: false } : { ok: true, value: text }),
  },
  typeFormat: words<TypeFormat>({ auto: 'auto', legacy: 'legacy', 'co-re': 'co-re' }, 'auto, legacy, CO-RE'),
  coreTracing: words<CoreTracing>(
    { trampoline: 'trampoline', probe: 'probe', tracepoint: 'tracepoint' },
    'trampoline, probe, tracepoint',
  ),
  collectPid: words<CollectPid>(
    { 'real parent': 'real parent', parent: 'parent', all: 'all' },
    'real parent, parent, all',
  ),
  mapsPerCore: booleanParser,
  lifetime: integer(1, MAX_INT, 'a whole number of seconds, 1 or more'),
};

/** Which layer a `[global]` section is: `ebpf.d.conf`, or a module's own file. */
export type OptionScope = 'global' | 'module';

/** Outcome of reading one `[global]` section over the current values. */
export interface OptionRead {
  /** Options the section set (valid values only). */
  set: Partial<OptionValues>;
  /** `file:line` of each option set. */
  sources: Partial<OptionSources>;
  errors: ConfigError[];
  warnings: string[];
}

/**
 * Read the typed options of a `[global]` section on top of `current`.
 *
 * Netdata's old names are honoured as Netdata does: `load` wins over
 * `ebpf load mode` when both are present, and `disable apps = yes` turns
 * apps off whatever `apps` says. A bad value produces a {@link ConfigError}
 * and leaves the option at its `current` value. `btf path` is only read from
 * `ebpf.d.conf` (Netdata reads it once for the whole plugin).
 *
 * @param section - The `[global]` section, or `undefined` when the file has none.
 * @param current - Values before this section; they are the fallbacks in error messages.
 * @param currentSources - Where `current` came from (`default` marks built-in defaults).
 */
export function readOptions(
  section: ConfigSection | undefined,
  scope: OptionScope,
  current: Readonly<OptionValues>,
  currentSources: Readonly<OptionSources>,
): OptionRead {
  const out: OptionRead = { set: {}, sources: {}, errors: [], warnings: [] };
  if (!section) return out;

  const take = <K extends OptionName>(name: K, key: string): void => {
    const entry = section.entries.get(key);
    if (!entry) return;
    const parser = PARSERS[name] as OptionParser<OptionValues[K]>;
    const parsed = parser.parse(entry.value);
    if (parsed.ok) {
      out.set[name] = parsed.value;
      out.sources[name] = `${entry.file}:${entry.line}`;
      return;
    }
    out.errors.push(
      new ConfigError({
        file: entry.file,
        line: entry.line,
        section: section.name,
        key,
        value: entry.value,
        accepted: parser.accepted,
        fallback: formatOption(name, current),
        fallbackIsDefault: currentSources[name] === 'default',
      }),
    );
  };

  // Load mode: the old key, when present, is the one Netdata reads.
  const oldLoad = section.entries.get(OLD_LOAD_MODE_KEY);
  const newLoad = section.entries.get(OPTION_KEYS.loadMode);
  if (oldLoad && newLoad) {
    out.warnings.push(
      `${oldLoad.file}:${oldLoad.line}: [${section.name}] both "${OLD_LOAD_MODE_KEY}" (old name) and "${OPTION_KEYS.loadMode}" (line ${newLoad.line}) are set; "${OLD_LOAD_MODE_KEY}" is used, as Netdata does`,
    );
  }
  take('loadMode', oldLoad ? OLD_LOAD_MODE_KEY : OPTION_KEYS.loadMode);

  // Apps: `disable apps = yes` (old, inverse) overrides `apps`.
  const disableApps = section.entries.get(OLD_DISABLE_APPS_KEY);
  let appsDecided = false;
  if (disableApps) {
    const parsed = parseBoolean(disableApps.value);
    if (parsed === undefined) {
      out.errors.push(
        new ConfigError({
          file: disableApps.file,
          line: disableApps.line,
          section: section.name,
          key: OLD_DISABLE_APPS_KEY,
          value: disableApps.value,
          accepted: BOOLEAN_ACCEPTED,
          message: `${disableApps.file}:${disableApps.line}: [${section.name}] "${OLD_DISABLE_APPS_KEY}" = ${JSON.stringify(disableApps.value)} is not valid; accepted: ${BOOLEAN_ACCEPTED}. The line is ignored and "apps" decides.`,
        }),
      );
    } else if (parsed) {
      out.set.apps = false;
      out.sources.apps = `${disableApps.file}:${disableApps.line}`;
      appsDecided = true;
      const apps = section.entries.get(OPTION_KEYS.apps);
      if (apps && parseBoolean(apps.value) === true) {
        out.warnings.push(
          `${apps.file}:${apps.line}: [${section.name}] "apps = ${apps.value}" has no effect: "${OLD_DISABLE_APPS_KEY}" (old name) at line ${disableApps.line} turns apps off`,
        );
      }
    }
  }
  if (!appsDecided) take('apps', OPTION_KEYS.apps);

  take('cgroups', OPTION_KEYS.cgroups);
  take('updateEvery', OPTION_KEYS.updateEvery);
  take('pidTableSize', OPTION_KEYS.pidTableSize);
  take('typeFormat', OPTION_KEYS.typeFormat);
  take('coreTracing', OPTION_KEYS.coreTracing);
  take('collectPid', OPTION_KEYS.collectPid);
  take('mapsPerCore', OPTION_KEYS.mapsPerCore);
  take('lifetime', OPTION_KEYS.lifetime);

  if (scope === 'global') {
    take('btfPath', OPTION_KEYS.btfPath);
  } else {
    const btf = section.entries.get(OPTION_KEYS.btfPath);
    if (btf) {
      out.warnings.push(
        `${btf.file}:${btf.line}: [${section.name}] "${OPTION_KEYS.btfPath}" is only read from ebpf.d.conf; ignored here`,
      );
    }
  }
  return out;
}

/** Closest known key to a misspelt one (case-insensitive equality or edit distance ≤ 2), for warnings. */
export function suggestKey(key: string, known: Iterable<string>): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
