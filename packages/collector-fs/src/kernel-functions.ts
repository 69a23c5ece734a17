/**
 * Which filesystem functions the running kernel has, loaded modules
 * included. The loader's `hasKernelFunction` looks in vmlinux's BTF only,
 * but most distributions (Debian among them) build ext4, xfs, nfs and btrfs
 * as modules, whose functions live in `/proc/kallsyms` as `name [module]`
 * and, for fentry, in the module's own BTF (`/sys/kernel/btf/<module>`,
 * which libbpf searches when it resolves an attach target).
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import type { AttachMode } from '@ebpf-collectors/core';
import type { Features } from '@ebpf-collectors/core';

/** Where module symbols and module BTF are found; tests point them elsewhere. */
export interface ModuleSymbolPaths {
  readonly kallsyms: string;
  readonly btfDir: string;
}

const KERNEL_PATHS: ModuleSymbolPaths = { kallsyms: '/proc/kallsyms', btfDir: '/sys/kernel/btf' };

/**
 * The module of each of `names` that a loaded module defines as a text
 * symbol (`t`/`T` lines ending in `[module]`). Names vmlinux defines are not
 * listed.
 *
 * @throws the read error when the kallsyms file cannot be read
 */
export function moduleFunctions(names: ReadonlySet<string>, kallsyms = KERNEL_PATHS.kallsyms): Map<string, string> {
  const found = new Map<string, string>();
  // Read in chunks and make a string only of module lines (`address type name\t[module]`): the
  // whole file as one string split into lines was about 12 MB of garbage for a 5 MB kallsyms,
  // which stayed in the heap until V8's memory reducer ran seconds after start-up.
  const chunk = Buffer.allocUnsafe(KALLSYMS_CHUNK_BYTES);
  let carry = Buffer.alloc(0);
  const fd = openSync(kallsyms, 'r');
  try {
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
        moduleLine(data, start, nl, names, found);
        start = nl + 1;
      }
      if (n <= 0) {
        if (start < data.length) moduleLine(data, start, data.length, names, found);
        break;
      }
      carry = Buffer.from(data.subarray(start));
    }
  } finally {
    closeSync(fd);
  }
  return found;
}

const KALLSYMS_CHUNK_BYTES = 65536;

/** One kallsyms line, `data[start, end)`: a text symbol of a module among `names` goes into `found`. */
function moduleLine(data: Buffer, start: number, end: number, names: ReadonlySet<string>, found: Map<string, string>): void {
  if (end - start < 3 || data[end - 1] !== 0x5d /* ] */) return;
  const tab = data.indexOf(0x09, start);
  if (tab < 0 || tab >= end) return;
  const [, type, name] = data.toString('latin1', start, tab).split(' ');
  if (name === undefined || (type !== 't' && type !== 'T') || !names.has(name)) return;
  found.set(name, data.toString('latin1', tab + 2, end - 1));
}

/**
 * A `hasKernelFunction` that also answers for module functions: in probe
 * mode any loaded module's function (kprobes attach by name), in trampoline
 * mode only one whose module has BTF (fentry/fexit need its type). kallsyms
 * is read once, and only when some of `candidates` is not in vmlinux.
 */
export function withModuleFunctions(
  features: Pick<Features, 'hasKernelFunction'>,
  mode: AttachMode,
  candidates: Iterable<string>,
  paths: ModuleSymbolPaths = KERNEL_PATHS,
): Pick<Features, 'hasKernelFunction'> {
  const outside = new Set([...candidates].filter((name) => !features.hasKernelFunction(name)));
  const modules = outside.size > 0 ? moduleFunctions(outside, paths.kallsyms) : new Map<string, string>();
  return {
    hasKernelFunction(name: string): boolean {
      if (features.hasKernelFunction(name)) return true;
      const module = modules.get(name);
      if (module === undefined) return false;
      return mode !== 'trampoline' || existsSync(`${paths.btfDir}/${module}`);
    },
  };
}
