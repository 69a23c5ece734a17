/**
 * The BPF object builder of every collector package, first-party or not.
 *
 *   ebpfc-bpf-build <name> [--src-dir bpf] [--out bpf] [options]
 *
 * compiles `<src-dir>/<name>.bpf.c` into `<out>/<name>.bpf.o`, a CO-RE object
 * carrying BTF, with
 *
 *   clang -target bpf -g -O2 -D__TARGET_ARCH_<arch> -I <src-dir> -I <ebpfc headers> -I <vmlinux.h dir>
 *
 * strips DWARF with `llvm-strip -g` (BTF and BTF.ext stay: libbpf needs them
 * for CO-RE relocations), then writes the TypeScript mirror of the object and
 * its headers to `<ts-out>/<name>.ts` (see generate-types.mjs). `vmlinux.h` is
 * generated from the running kernel's BTF the first time it is needed and
 * reused afterwards. The object is rebuilt only when the command line or the
 * content of a file it was built from (per clang's dependency list) changed;
 * the TypeScript module only when the object or the scanned sources changed.
 *
 * Options:
 *   --out <dir>        output directory (default: the current directory)
 *   --src-dir <dir>    where `<name>.bpf.c` lives (default: ./bpf if it exists, else the
 *                      current directory; in this repository's wrapper: the repository's bpf/)
 *   --ts-out <dir>     where the TypeScript module goes (default: src/generated)
 *   --no-ts            do not generate TypeScript
 *   -I <dir>           extra include directory (repeatable)
 *   -D <macro[=val]>   extra define (repeatable)
 *   --vmlinux <file>   use this vmlinux.h instead of generating one
 *   --btf <file>       generate vmlinux.h from this BTF file (default /sys/kernel/btf/vmlinux)
 *   --arch <arch>      __TARGET_ARCH_ value: x86, arm64, s390, powerpc, riscv... (default: from the host)
 *   --force            rebuild even when up to date
 *   --quiet            print nothing on success
 *
 * Tools can be overridden with CLANG, LLVM_STRIP, LLVM_OBJDUMP and BPFTOOL in
 * the environment; EBPFC_VMLINUX_DIR says where the generated vmlinux.h is
 * cached. Exit status: 0 built or up to date, 1 build failed, 2 bad usage.
 *
 * The module also exports {@link buildBpfObject} for build scripts written in JS.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeObjectDigest } from './digest.mjs';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTypes, scanFiles, typesStamp } from './generate-types.mjs';
import { syscallNumbersHeader } from './syscall-nr.mjs';

/** This package's root. */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/**
 * Inside the ebpf-collectors repository the shared headers are the
 * repository's bpf/include (the one hand-maintained copy); a packed
 * package carries a copy made at prepack in include/.
 */
const REPO_BPF = resolve(PACKAGE_ROOT, '../../bpf');
const IN_REPOSITORY = existsSync(join(REPO_BPF, 'include')) && existsSync(resolve(PACKAGE_ROOT, '../../pnpm-workspace.yaml'));
/** Directory of the shared `ebpfc_*.h` headers. */
export const HEADERS_DIR = IN_REPOSITORY ? join(REPO_BPF, 'include') : join(PACKAGE_ROOT, 'include');

function writableDir(dir) {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where the generated vmlinux.h is cached; never committed, never published. */
export const GENERATED_DIR = (() => {
  if (process.env.EBPFC_VMLINUX_DIR) return resolve(process.env.EBPFC_VMLINUX_DIR);
  if (IN_REPOSITORY) return join(REPO_BPF, '.output');
  const own = join(PACKAGE_ROOT, '.output');
  if (writableDir(own)) return own;
  return join(tmpdir(), `ebpfc-bpf-tools-${process.getuid?.() ?? 'user'}`);
})();
const MANIFEST_VERSION = 1;
const DEFAULT_BTF = '/sys/kernel/btf/vmlinux';

/** A build failure whose message says what to do about it. */
export class BpfBuildError extends Error {
  /**
   * @param {string} message
   * @param {string} code  stable code: ENOTOOL, ENOBTF, ENOSRC, ECOMPILE, EUSAGE
   * @param {{ cause?: unknown }} [options]
   */
  constructor(message, code, options) {
    super(message, options);
    this.name = 'BpfBuildError';
    this.code = code;
  }
}

/** Debian package that ships each tool, for error messages. */
const TOOL_PACKAGES = {
  clang: 'clang',
  'llvm-strip': 'llvm',
  'llvm-objdump': 'llvm',
  bpftool: 'bpftool (Debian 12+; linux-tools-common on Ubuntu)',
};

/** Node's arch name -> the __TARGET_ARCH_ value libbpf's bpf_tracing.h expects. */
const TARGET_ARCH = {
  x64: 'x86',
  ia32: 'x86',
  arm64: 'arm64',
  arm: 'arm',
  s390x: 's390',
  ppc64: 'powerpc',
  riscv64: 'riscv',
  loong64: 'loongarch',
  mips: 'mips',
  mipsel: 'mips',
};

/**
 * Find an executable: the environment override, else the first of `names`
 * found in PATH (versioned names cover Debian's `clang-14`-style installs).
 * @param {string} tool       key in TOOL_PACKAGES
 * @param {string|undefined} override
 * @param {string[]} names
 * @returns {string}
 */
function findTool(tool, override, names) {
  if (override) return override;
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      try {
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        // not in this directory
      }
    }
  }
  throw new BpfBuildError(
    `${tool} not found in PATH: install the Debian package ${TOOL_PACKAGES[tool]} (apt-get install ${TOOL_PACKAGES[tool].split(' ')[0]})`,
    'ENOTOOL',
  );
}

/** Versioned fallbacks, newest first. */
function versioned(base) {
  const names = [base];
  for (let v = 20; v >= 11; v--) names.push(`${base}-${v}`);
  return names;
}

/**
 * Run a tool; throw a BpfBuildError with its stderr when it fails.
 * @param {string} file
 * @param {string[]} args
 * @param {string} what  description for the message
 * @param {{ stdoutFile?: string }} [options]
 */
function run(file, args, what, options = {}) {
  const result = spawnSync(file, args, {
    encoding: options.stdoutFile ? 'buffer' : 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  if (result.error) {
    const code = /** @type {NodeJS.ErrnoException} */ (result.error).code;
    const tool = basename(file).replace(/-\d+$/, '');
    if (code === 'ENOENT' && tool in TOOL_PACKAGES) {
      throw new BpfBuildError(
        `${what}: ${file} not found: install the Debian package ${TOOL_PACKAGES[tool]}`,
        'ENOTOOL',
        { cause: result.error },
      );
    }
    throw new BpfBuildError(`${what}: cannot run ${file}: ${result.error.message}`, 'ECOMPILE', {
      cause: result.error,
    });
  }
  if (result.status !== 0) {
    const stderr = String(result.stderr ?? '').trim();
    let hint = '';
    if (/bpf\/bpf_helpers\.h['"]? file not found/.test(stderr)) {
      hint = '\nhint: libbpf headers are missing: install the Debian package libbpf-dev';
    } else if (/ebpfc_syscall_nr\.h['"]? file not found/.test(stderr)) {
      hint = "\nhint: ebpfc_syscall_nr.h is generated from the kernel's UAPI headers: install the Debian package linux-libc-dev (see the build log above)";
    } else if (/vmlinux\.h['"]? file not found/.test(stderr)) {
      hint = '\nhint: vmlinux.h is missing: pass --vmlinux or let the build generate it (needs bpftool and kernel BTF)';
    }
    throw new BpfBuildError(
      `${what} failed (exit ${result.status ?? result.signal}):\n${stderr}${hint}`,
      'ECOMPILE',
    );
  }
  if (options.stdoutFile) writeFileSync(options.stdoutFile, result.stdout);
  return result;
}

/** A unique temporary name next to `path`, so the final rename is atomic. */
function tempPath(path) {
  return `${path}.tmp-${process.pid}-${Date.now().toString(36)}`;
}

/**
 * Make sure a vmlinux.h exists; generate it from kernel BTF only when missing.
 * Concurrent builds (several packages at once) each write a temporary file and
 * rename it, so readers never see a half-written header.
 * @param {{ vmlinux?: string, btf?: string, bpftool?: string, log: (m: string) => void }} options
 * @returns {{ dir: string, file: string }}
 */
export function ensureVmlinuxHeader(options) {
  if (options.vmlinux) {
    const file = resolve(options.vmlinux);
    if (!existsSync(file)) throw new BpfBuildError(`--vmlinux ${file}: no such file`, 'ENOSRC');
    if (basename(file) !== 'vmlinux.h') {
      throw new BpfBuildError(`--vmlinux ${file}: the file must be named vmlinux.h (sources include "vmlinux.h")`, 'EUSAGE');
    }
    return { dir: dirname(file), file };
  }
  const file = join(GENERATED_DIR, 'vmlinux.h');
  if (existsSync(file)) return { dir: GENERATED_DIR, file };

  const btf = resolve(options.btf ?? DEFAULT_BTF);
  if (!existsSync(btf)) {
    throw new BpfBuildError(
      `${btf} not found: generating vmlinux.h needs kernel BTF (a kernel built with CONFIG_DEBUG_INFO_BTF=y), ` +
        'or pass --btf <file> or --vmlinux <vmlinux.h>',
      'ENOBTF',
    );
  }
  const bpftool = findTool('bpftool', options.bpftool ?? process.env.BPFTOOL, ['bpftool', '/usr/sbin/bpftool', '/sbin/bpftool']);
  mkdirSync(GENERATED_DIR, { recursive: true });
  const tmp = tempPath(file);
  try {
    run(bpftool, ['btf', 'dump', 'file', btf, 'format', 'c'], `bpftool btf dump ${btf}`, { stdoutFile: tmp });
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  options.log(`generated ${file} from ${btf}`);
  return { dir: GENERATED_DIR, file };
}

/**
 * Make sure `ebpfc_syscall_nr.h` (syscall numbers from the kernel's UAPI
 * headers, see syscall-nr.mjs) exists in {@link GENERATED_DIR}; written only
 * when missing, atomically like vmlinux.h.
 * @param {{ log: (m: string) => void }} options
 * @returns {string} the directory holding it
 */
export function ensureSyscallNumbersHeader(options) {
  const file = join(GENERATED_DIR, 'ebpfc_syscall_nr.h');
  if (existsSync(file)) return GENERATED_DIR;
  let generated;
  try {
    generated = syscallNumbersHeader({ cc: findTool('clang', process.env.CLANG, versioned('clang')) });
  } catch (error) {
    // Only sources that include it need it: theirs fail to compile with the hint below.
    options.log(`ebpfc_syscall_nr.h not generated: ${error instanceof Error ? error.message : String(error)}`);
    return GENERATED_DIR;
  }
  mkdirSync(GENERATED_DIR, { recursive: true });
  const tmp = tempPath(file);
  try {
    writeFileSync(tmp, generated.text);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  options.log(`generated ${file} (${generated.counts.x86_64} x86_64 and ${generated.counts.arm64} arm64 syscall numbers)`);
  return GENERATED_DIR;
}

/** sha256 of a file's content, or null when it is gone. */
function hashFile(path) {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return null;
  }
}

/**
 * Parse a make-style dependency file written by `clang -MD -MF`.
 * @param {string} text
 * @returns {string[]} the prerequisites (sources and headers)
 */
export function parseDepFile(text) {
  const body = text.replace(/\\\r?\n/g, ' ');
  const colon = body.search(/:(\s|$)/);
  const rest = colon >= 0 ? body.slice(colon + 1) : body;
  const deps = [];
  // Paths may contain backslash-escaped spaces.
  for (const match of rest.matchAll(/(?:\\ |[^\s])+/g)) deps.push(match[0].replace(/\\ /g, ' '));
  return deps;
}

/**
 * Whether the object is up to date: same command, same content of every input.
 * @param {string} manifestPath
 * @param {string} objectPath
 * @param {string[]} command
 */
function isUpToDate(manifestPath, objectPath, command) {
  if (!existsSync(objectPath)) return false;
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    return false;
  }
  if (manifest.version !== MANIFEST_VERSION) return false;
  if (JSON.stringify(manifest.command) !== JSON.stringify(command)) return false;
  if (!manifest.inputs || typeof manifest.inputs !== 'object') return false;
  for (const [path, digest] of Object.entries(manifest.inputs)) {
    if (hashFile(path) !== digest) return false;
  }
  return true;
}

/**
 * Build `<srcDir>/<name>.bpf.c` into `<outDir>/<name>.bpf.o` when its inputs changed.
 *
 * @param {object} options
 * @param {string} options.name        object name (`process` for process.bpf.c)
 * @param {string} [options.outDir]    output directory (default: cwd)
 * @param {string} [options.srcDir]    directory of the source (default: ./bpf if it exists, else cwd)
 * @param {string|null} [options.tsOutDir] where `<name>.ts` is generated (default: src/generated; null: none)
 * @param {string[]} [options.includeDirs] extra -I directories
 * @param {string[]} [options.defines] extra -D macros
 * @param {string} [options.vmlinux]   use this vmlinux.h
 * @param {string} [options.btf]       generate vmlinux.h from this BTF file
 * @param {string} [options.arch]      __TARGET_ARCH_ value
 * @param {boolean} [options.force]    rebuild unconditionally
 * @param {(message: string) => void} [options.log]
 * @returns {{ object: string, built: boolean, types: string | null, typesBuilt: boolean }}
 * @throws {BpfBuildError} ENOSRC, ENOTOOL, ENOBTF, ECOMPILE, EUSAGE
 */
export function buildBpfObject(options) {
  const log = options.log ?? (() => {});
  const name = options.name;
  if (!name || !/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new BpfBuildError(`invalid object name ${JSON.stringify(name)}`, 'EUSAGE');
  }
  const srcDir = resolve(options.srcDir ?? (existsSync('bpf') ? 'bpf' : '.'));
  const source = join(srcDir, `${name}.bpf.c`);
  if (!existsSync(source)) throw new BpfBuildError(`${source}: no such source file`, 'ENOSRC');

  const outDir = resolve(options.outDir ?? '.');
  const objectPath = join(outDir, `${name}.bpf.o`);
  const manifestPath = join(outDir, `.${name}.bpf.o.inputs.json`);

  const arch = options.arch ?? TARGET_ARCH[process.arch];
  if (!arch) throw new BpfBuildError(`no __TARGET_ARCH_ known for ${process.arch}: pass --arch`, 'EUSAGE');

  const header = ensureVmlinuxHeader({ vmlinux: options.vmlinux, btf: options.btf, log });
  const generatedDir = ensureSyscallNumbersHeader({ log });
  const generatedDirs = generatedDir === header.dir ? [header.dir] : [header.dir, generatedDir];
  const clang = findTool('clang', process.env.CLANG, versioned('clang'));

  // Everything that shapes the output, in a stable order; paths are absolute
  // so the manifest does not depend on the caller's cwd.
  const compileFlags = [
    '-target', 'bpf',
    '-g', '-O2', '-Wall', '-Wno-unused-function',
    `-D__TARGET_ARCH_${arch}`,
    ...(options.defines ?? []).map((d) => `-D${d}`),
    '-I', srcDir,
    ...(options.includeDirs ?? []).flatMap((dir) => ['-I', resolve(dir)]),
    '-I', HEADERS_DIR,
    ...generatedDirs.flatMap((dir) => ['-I', dir]),
    // BTF line info names the source files: keep this machine's paths out of
    // the shipped object (a published package must not carry them).
    ...[srcDir, ...(options.includeDirs ?? []).map((dir) => resolve(dir)), HEADERS_DIR, ...generatedDirs]
      .map((dir) => `-fdebug-prefix-map=${dir}=${basename(dir)}`),
    '-fdebug-compilation-dir=.',
  ];
  const command = [clang, ...compileFlags, '-c', source, '-o', objectPath];

  const tsOutDir = options.tsOutDir === null ? null : resolve(options.tsOutDir ?? join('src', 'generated'));
  const withTypes = (built) => {
    writeObjectDigest(objectPath); // digest.mjs: the loader refuses an object that no longer matches it
    const types = tsOutDir ? writeTypes({ name, source, objectPath, compileFlags, outDir, tsOutDir, includeDirs: [srcDir, ...(options.includeDirs ?? []).map((d) => resolve(d)), HEADERS_DIR], force: built || options.force, log }) : null;
    return { object: objectPath, built, types: types?.file ?? null, typesBuilt: types?.built ?? false };
  };

  if (!options.force && isUpToDate(manifestPath, objectPath, command)) {
    return withTypes(false);
  }

  mkdirSync(outDir, { recursive: true });
  const tmpObject = tempPath(objectPath);
  const depFile = `${tmpObject}.d`;
  try {
    run(clang, [...compileFlags, '-MD', '-MF', depFile, '-c', source, '-o', tmpObject], `clang ${basename(source)}`);
    const stripper = findTool('llvm-strip', process.env.LLVM_STRIP, versioned('llvm-strip'));
    // -g drops DWARF only; .BTF/.BTF.ext survive, and they are what libbpf needs.
    run(stripper, ['-g', tmpObject], `llvm-strip ${basename(objectPath)}`);

    const inputs = {};
    for (const dep of parseDepFile(readFileSync(depFile, 'utf8'))) {
      const path = resolve(srcDir, dep);
      const digest = hashFile(path);
      if (digest) inputs[path] = digest;
    }
    renameSync(tmpObject, objectPath);
    writeFileSync(manifestPath, `${JSON.stringify({ version: MANIFEST_VERSION, command, inputs }, null, 1)}\n`);
  } finally {
    rmSync(tmpObject, { force: true });
    rmSync(depFile, { force: true });
  }
  log(`built ${objectPath}`);
  return withTypes(true);
}

/**
 * Generate `<tsOutDir>/<name>.ts` unless its stamp says it was made from
 * the same object, sources and generator.
 */
function writeTypes({ name, source, objectPath, compileFlags, outDir, tsOutDir, includeDirs, force, log }) {
  const file = join(tsOutDir, `${name}.ts`);
  const scanned = scanFiles(source, includeDirs);
  const stamp = `// ebpfc-types-stamp ${typesStamp(objectPath, scanned)}`;
  if (!force && existsSync(file) && readFileSync(file, 'utf8').startsWith(`${stamp}\n`)) return { file, built: false };
  const bpftool = findTool('bpftool', process.env.BPFTOOL, ['bpftool', '/usr/sbin/bpftool', '/sbin/bpftool']);
  const objdump = findTool('llvm-objdump', process.env.LLVM_OBJDUMP, versioned('llvm-objdump'));
  const clang = findTool('clang', process.env.CLANG, versioned('clang'));
  let text;
  try {
    text = generateTypes({ name, source, object: objectPath, compileFlags, includeDirs, clang, bpftool, objdump, workDir: outDir, displayRoot: resolve(REPO_BPF, '..') });
  } catch (error) {
    throw new BpfBuildError(`generating ${file}: ${error instanceof Error ? error.message : String(error)}`, 'ECOMPILE', { cause: error });
  }
  mkdirSync(tsOutDir, { recursive: true });
  const tmp = tempPath(file);
  writeFileSync(tmp, `${stamp}\n${text}`);
  renameSync(tmp, file);
  log(`generated ${file}`);
  return { file, built: true };
}

/**
 * Parse argv into buildBpfObject options.
 * @param {string[]} argv
 */
export function parseArgs(argv) {
  /** @type {Parameters<typeof buildBpfObject>[0] & { quiet?: boolean }} */
  const options = { name: '', includeDirs: [], defines: [] };
  const value = (i, flag) => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new BpfBuildError(`${flag} needs a value`, 'EUSAGE');
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case '--out': options.outDir = value(i, arg); i++; break;
      case '--src-dir': options.srcDir = value(i, arg); i++; break;
      case '--ts-out': options.tsOutDir = value(i, arg); i++; break;
      case '--no-ts': options.tsOutDir = null; break;
      case '-I': options.includeDirs.push(value(i, arg)); i++; break;
      case '-D': options.defines.push(value(i, arg)); i++; break;
      case '--vmlinux': options.vmlinux = value(i, arg); i++; break;
      case '--btf': options.btf = value(i, arg); i++; break;
      case '--arch': options.arch = value(i, arg); i++; break;
      case '--force': options.force = true; break;
      case '--quiet': options.quiet = true; break;
      case '-h':
      case '--help':
        return { help: true };
      default:
        if (arg.startsWith('-')) throw new BpfBuildError(`unknown option ${arg}`, 'EUSAGE');
        if (options.name) throw new BpfBuildError(`one object name expected, got ${options.name} and ${arg}`, 'EUSAGE');
        options.name = arg;
    }
  }
  if (!options.name) throw new BpfBuildError('missing object name (e.g. `process`)', 'EUSAGE');
  return options;
}

const USAGE = 'usage: ebpfc-bpf-build <name> [--out <dir>] [--src-dir <dir>] [--ts-out <dir> | --no-ts] [-I <dir>] [-D <macro>] [--vmlinux <file>] [--btf <file>] [--arch <arch>] [--force] [--quiet]';

/**
 * The command line: `ebpfc-bpf-build` and the repository's bpf/build.mjs.
 * @param {string[]} argv
 * @param {{ srcDir?: string }} [defaults]  defaults a wrapper sets (the repository's bpf/)
 * @returns {number} exit status
 */
export function main(argv, defaults = {}) {
  let options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`ebpfc-bpf-build: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = options.quiet ? () => {} : (m) => process.stdout.write(`bpf: ${m}\n`);
  try {
    const result = buildBpfObject({ ...defaults, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)), log });
    if (!result.built) log(`${result.object} is up to date`);
    return 0;
  } catch (error) {
    process.stderr.write(`bpf: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof BpfBuildError && error.code === 'EUSAGE' ? 2 : 1;
  }
}
