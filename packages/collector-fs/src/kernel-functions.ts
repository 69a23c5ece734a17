/**
 * Which filesystem functions the running kernel has, loaded modules
 * included. The loader's `hasKernelFunction` looks in vmlinux's BTF only,
 * but most distributions (Debian among them) build ext4, xfs, nfs and btrfs
 * as modules, whose functions live in `/proc/kallsyms` as `name [module]`
 * and, for fentry, in the module's own BTF (`/sys/kernel/btf/<module>`,
 * which libbpf searches when it resolves an attach target).
 */
import { existsSync, readFileSync } from 'node:fs';
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
  // Module symbols come after vmlinux's; each line is `address type name\t[module]`.
  for (const line of readFileSync(kallsyms, 'utf8').split('\n')) {
    if (!line.endsWith(']')) continue;
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const [, type, name] = line.slice(0, tab).split(' ');
    if (name === undefined || (type !== 't' && type !== 'T') || !names.has(name)) continue;
    found.set(name, line.slice(tab + 2, -1));
  }
  return found;
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
