/**
 * Finds and loads the compiled addon, in this order:
 *
 * 1. `EBPFC_LOADER_NATIVE_ADDON`, a path to a `loader_native.node` (tests, packagers);
 * 2. `build/Release/loader_native.node` in this package: the development
 *    build of a checkout, or a build from source made at install time where no
 *    prebuilt package fits;
 * 3. the prebuilt package for this platform,
 *    `@ebpf-collectors/loader-native-linux-<arch>-<gnu|musl>`, which the package
 *    manager installed from `optionalDependencies` (its `os`/`cpu`/`libc` fields
 *    match this machine).
 *
 * `src/` and `dist/` both sit one level below the package root, so the same
 * relative paths work for tests (run from `src/`) and for the published build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { BpfError } from './errors.js';
import type { NativeBinding } from './internal-types.js';

const require = createRequire(import.meta.url);
const LOCAL_BUILD = fileURLToPath(new URL('../build/Release/loader_native.node', import.meta.url));
const IN_CHECKOUT = existsSync(fileURLToPath(new URL('../native/addon.cc', import.meta.url))) &&
  existsSync(fileURLToPath(new URL('../src/native.ts', import.meta.url)));

/** Platforms with a prebuilt package (`<platform>-<arch>-<libc>`). */
const PREBUILT = ['linux-x64-gnu', 'linux-arm64-gnu'];

let cached: NativeBinding | undefined;

/**
 * `gnu` or `musl`: the C library mapped into this process (/proc/self/maps);
 * where that cannot tell, Node's own report, which names the glibc it runs on
 * and nothing on musl. Not the report first: it builds a whole diagnostic
 * report (stacks, handles, environment) and loads its module for good.
 */
export function libcFlavour(maps?: string): 'gnu' | 'musl' {
  try {
    const text = maps ?? readFileSync('/proc/self/maps', 'latin1');
    if (/\/(ld-musl-[^/\s]*|libc\.musl-[^/\s]*)\.so/.test(text)) return 'musl';
    if (/\/libc\.so\.6\n/.test(text)) return 'gnu';
  } catch {
    // no /proc: ask the report
  }
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? 'gnu' : 'musl';
}

/** The platform triple used in prebuilt package names, e.g. `linux-x64-gnu`. */
export function platformTriple(): string {
  return process.platform === 'linux'
    ? `linux-${process.arch}-${libcFlavour()}`
    : `${process.platform}-${process.arch}`;
}

interface Candidate {
  what: string;
  path?: string;
  /** Why this candidate has no path. */
  missing?: string;
}

function candidates(triple: string): Candidate[] {
  const list: Candidate[] = [];
  const override = process.env['EBPFC_LOADER_NATIVE_ADDON'];
  if (override) list.push({ what: 'EBPFC_LOADER_NATIVE_ADDON', path: override });
  if (existsSync(LOCAL_BUILD)) list.push({ what: 'local build', path: LOCAL_BUILD });
  const name = `@ebpf-collectors/loader-native-${triple}`;
  try {
    list.push({ what: name, path: require.resolve(`${name}/loader_native.node`) });
  } catch {
    list.push({ what: name, missing: 'not installed' });
  }
  return list;
}

function remedy(triple: string): string {
  if (IN_CHECKOUT) return 'build it with `pnpm --filter @ebpf-collectors/loader-native build` at the repository root';
  const fromSource =
    'or build it from source: install a compiler and the libbpf headers ' +
    '(Debian/Ubuntu: `apt-get install cmake g++ make pkg-config libbpf-dev libelf-dev zlib1g-dev`; ' +
    'Alpine: `apk add cmake g++ make pkgconf libbpf-dev elfutils-dev zlib-dev linux-headers`), ' +
    'then run `npm rebuild @ebpf-collectors/loader-native`';
  if (PREBUILT.includes(triple)) {
    return `reinstall without --omit=optional / --no-optional so that @ebpf-collectors/loader-native-${triple} is installed, ${fromSource}`;
  }
  return `no prebuilt addon exists for ${triple} (prebuilt: ${PREBUILT.join(', ')}, glibc 2.31 or newer); ${fromSource}`;
}

/**
 * The addon's exports. Loaded once, on first use, so importing the package
 * (for its types or error classes) works even where no addon fits.
 * @throws BpfError (`ENOENT`) naming every place looked at and how to get an addon.
 */
export function nativeBinding(): NativeBinding {
  if (cached) return cached;
  const triple = platformTriple();
  const tried: string[] = [];
  let firstCause: unknown;
  for (const candidate of candidates(triple)) {
    if (!candidate.path) {
      tried.push(`${candidate.what}: ${candidate.missing}`);
      continue;
    }
    try {
      cached = require(candidate.path) as NativeBinding;
      return cached;
    } catch (cause) {
      firstCause ??= cause;
      tried.push(`${candidate.path}: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`);
    }
  }
  throw new BpfError(`load native addon for ${triple}: ${tried.join('; ')}; ${remedy(triple)}`, {
    code: 'ENOENT',
    errno: 2,
    op: 'load native addon',
    cause: firstCause,
  });
}
