/**
 * Third-party collector packages: named on the command line
 * (`--collectors @acme/collector-sched,./my-collector`) or in `ebpf.d.conf`
 * (`[collector packages]` with one `<package> = yes` line each), imported
 * at start and run like the first-party collectors.
 *
 * A package is an npm package (or a directory holding one) whose entry
 * exports a `collectors` array of collector definitions, or the definitions
 * themselves. A bare name is resolved like an `import` from the plugin, then
 * from the `node_modules` of the current directory and its parents; a path
 * (`./x`, `../x`, `/x`) is a package directory or a module file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { netdataBoolean, readIniFile, type CollectorDefinition } from '@ebpf-collectors/core';
import { definitionsOf } from './collectors.js';

/** `ebpf.d.conf` section listing collector packages to load. */
export const PACKAGES_SECTION = 'collector packages';

/** Whether a `--collectors` entry names a package rather than a collector. */
export function isPackageSpec(entry: string): boolean {
  return entry.startsWith('@') || entry.startsWith('.') || isAbsolute(entry) || entry.includes('/');
}

/** Why a package could not be used. */
export class CollectorPackageError extends Error {
  constructor(
    readonly spec: string,
    readonly reason: 'missing' | 'no-collector' | 'broken',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CollectorPackageError';
  }
}

/** The file an ESM import of a package directory loads (`exports` "." with import/node/default, else `main`). */
export function packageEntry(dir: string): string {
  const pkgFile = join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports?: unknown; main?: string };
  const pick = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.map(pick).find((v) => v !== undefined);
    if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if ('.' in record) return pick(record['.']);
      for (const condition of ['import', 'node', 'default']) {
        if (condition in record) {
          const found = pick(record[condition]);
          if (found) return found;
        }
      }
    }
    return undefined;
  };
  const entry = pick(pkg.exports) ?? pkg.main ?? 'index.js';
  return resolve(dir, entry);
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** `node_modules/<name>` in `from` or one of its parents. */
function findInNodeModules(name: string, from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Import one package and return the collector definitions it exports.
 *
 * @throws CollectorPackageError `missing` (not installed / no such path),
 *   `no-collector` (it exports no collector definition) or `broken` (its
 *   import failed)
 */
export async function loadCollectorPackage(spec: string, cwd: string = process.cwd()): Promise<CollectorDefinition[]> {
  let namespace: Record<string, unknown>;
  const importFile = async (file: string): Promise<Record<string, unknown>> => {
    try {
      return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      throw new CollectorPackageError(spec, 'broken', `${spec}: cannot import ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  };
  if (spec.startsWith('.') || isAbsolute(spec)) {
    const path = resolve(cwd, spec);
    if (!existsSync(path)) throw new CollectorPackageError(spec, 'missing', `${spec}: ${path} does not exist`);
    namespace = await importFile(statSync(path).isDirectory() ? packageEntry(path) : path);
  } else {
    try {
      namespace = (await import(spec)) as Record<string, unknown>;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!isNotFound(error) || !message.includes(`'${spec}'`)) {
        throw new CollectorPackageError(spec, 'broken', `${spec} is installed but cannot be loaded: ${message}`, { cause: error });
      }
      const dir = findInNodeModules(spec, cwd);
      if (!dir) {
        throw new CollectorPackageError(
          spec,
          'missing',
          `${spec} is not installed: install it next to ebpf.plugin (npm install ${spec}) or give its directory (./path/to/package)`,
        );
      }
      namespace = await importFile(packageEntry(dir));
    }
  }
  const definitions = definitionsOf(namespace);
  if (definitions.length === 0) {
    throw new CollectorPackageError(
      spec,
      'no-collector',
      `${spec} exports no collector: its entry must export a \`collectors\` array of collector definitions ` +
        '(defineCounterCollector / defineCollector from @ebpf-collectors/core) or the definitions themselves',
    );
  }
  return definitions;
}

/** Packages `ebpf.d.conf` lists, with the file:line of each (user dir first, as the config loader reads it). */
export async function configuredPackages(dirs: { user: string; stock: string }): Promise<Array<{ spec: string; where: string }>> {
  for (const dir of [dirs.user, dirs.stock]) {
    for (const name of ['ebpf.d.conf', 'ebpf.conf']) {
      const doc = await readIniFile(join(dir, name), () => {});
      if (!doc) continue;
      const section = doc.sections.get(PACKAGES_SECTION);
      if (!section) return [];
      const out: Array<{ spec: string; where: string }> = [];
      for (const [spec, entry] of section.entries) {
        if (netdataBoolean(entry.value)) out.push({ spec, where: `${doc.file}:${entry.line}` });
      }
      return out;
    }
  }
  return [];
}

/** Result of {@link thirdPartyCollectors}. */
export type ThirdPartyCollectors =
  | {
      ok: true;
      definitions: CollectorDefinition[];
      /** Collector names of the packages named on the command line (they join `--collectors`). */
      fromCommandLine: string[];
    }
  | { ok: false; message: string };

/**
 * Load the packages named on the command line and in `ebpf.d.conf`. A
 * command-line package that is missing or exports no collector is a usage
 * error (the caller exits 64); a configured one is logged and skipped, so a
 * stale line does not stop Netdata's plugin.
 */
export async function thirdPartyCollectors(options: {
  commandLine: ReadonlyArray<string>;
  dirs: { user: string; stock: string };
  cwd?: string;
  logError(message: string): void;
}): Promise<ThirdPartyCollectors> {
  const definitions = new Map<string, CollectorDefinition>();
  const fromCommandLine: string[] = [];
  for (const spec of options.commandLine) {
    try {
      for (const definition of await loadCollectorPackage(spec, options.cwd)) {
        definitions.set(definition.name, definition);
        fromCommandLine.push(definition.name);
      }
    } catch (error) {
      return { ok: false, message: `--collectors: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  for (const { spec, where } of await configuredPackages(options.dirs)) {
    try {
      for (const definition of await loadCollectorPackage(spec, options.cwd)) {
        if (!definitions.has(definition.name)) definitions.set(definition.name, definition);
      }
    } catch (error) {
      options.logError(`${where}: [${PACKAGES_SECTION}] ${error instanceof Error ? error.message : String(error)}; skipped`);
    }
  }
  return { ok: true, definitions: [...definitions.values()], fromCommandLine };
}
