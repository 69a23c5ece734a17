/**
 * Kernel symbols as kprobes see them. A static function the compiler
 * specialised lives in /proc/kallsyms as `name.constprop.N` (or `.isra.N`,
 * `.part.N`): kprobes need that name, fentry needs the plain one in BTF and
 * in kallsyms.
 *
 * KIT-CANDIDATE: core's planFunctionHooks asks `features.hasKernelFunction`,
 * which answers from vmlinux BTF only, so neither clones nor module
 * functions (mdflush's `md_flush_request` in md_mod) can be planned with it.
 */
import { readFileSync } from 'node:fs';

/** A text symbol: its kallsyms name and the module it is in (absent: vmlinux). */
export interface KernelSymbol {
  readonly name: string;
  readonly module?: string;
}

const CLONE = /^\.(constprop|isra|part)\.\d+(\.(constprop|isra|part)\.\d+)*$/;

/**
 * The symbol of `fn` in kallsyms text: the exact name first, else a compiler
 * clone of it (never a `.cold` part, which is not the function's entry).
 *
 * @param text - /proc/kallsyms (default: read now)
 */
export function findKernelSymbol(fn: string, text?: string): KernelSymbol | undefined {
  const source = text ?? readFileSync('/proc/kallsyms', 'utf8');
  let clone: KernelSymbol | undefined;
  let from = 0;
  for (;;) {
    const at = source.indexOf(` ${fn}`, from);
    if (at < 0) break;
    from = at + 1;
    const lineStart = source.lastIndexOf('\n', at) + 1;
    let lineEnd = source.indexOf('\n', at);
    if (lineEnd < 0) lineEnd = source.length;
    const [, type, name, module] = source.slice(lineStart, lineEnd).split(/\s+/);
    if (type === undefined || name === undefined || !/^[tT]$/.test(type)) continue;
    const mod = module?.startsWith('[') ? module.slice(1, -1) : undefined;
    const symbol = { name, ...(mod ? { module: mod } : {}) };
    if (name === fn) return symbol;
    if (clone === undefined && name.startsWith(fn) && CLONE.test(name.slice(fn.length))) clone = symbol;
  }
  return clone;
}
