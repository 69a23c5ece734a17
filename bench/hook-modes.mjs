/**
 * The function-hook attach modes of bench/hook-limits.mjs (`--mode
 * trampoline|probe`): what the vfs and fd collectors hook there in return
 * load mode, the minimal programs on the same kernel functions
 * (bench/bpf/hook_funcs.bpf.c: fexit and kretprobe) and bpftrace doing the
 * same per-PID count on them. Those modes need kprobes / fentry, which this
 * project's host kernel does not offer: bench/vm-hooks.mjs runs them on the
 * VM lane's Debian 6.1 guest.
 *
 * Not a benchmark of its own (run.mjs does not list it).
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EnvironmentError } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..');

/** Attach modes hook-limits knows: the syscall tracepoints (the default) and the two function-hook modes. */
export const HOOK_MODES = ['tracepoint', 'trampoline', 'probe'];
export const FUNCTION_MODES = new Set(['trampoline', 'probe']);

/**
 * Kernel functions the collectors hook in return load mode for the
 * workloads (vfs: vfs_read, and vfs_open under openat; fd: do_sys_openat2
 * and close_fd on 5.11-6.10 kernels), and what the minimal programs hook.
 */
export const FUNCTIONS = { read: 'vfs_read', open: 'do_sys_openat2', close: 'close_fd' };

/**
 * The minimal programs on function hooks: both hook types in every function
 * mode (the guest offers both, and the goal is the cheapest hook with the
 * same information).
 */
export function functionMinimalConfigs(object) {
  const fns = `${FUNCTIONS.read}, ${FUNCTIONS.open}, ${FUNCTIONS.close}`;
  return [
    { name: `minimal fexit (${fns})`, kind: 'minimal', hook: 'fexit', programs: ['fexit_read', 'fexit_open', 'fexit_close'], object },
    { name: `minimal kretprobe (${fns})`, kind: 'minimal', hook: 'kretprobe', programs: ['kret_read', 'kret_open', 'kret_close'], object },
  ];
}

/** The plugin, one collector at a time, forced into `mode` (return load mode, apps on). */
export function functionPluginConfigs(collectors, mode) {
  return collectors.map((c) => ({ name: `${c}, ${mode} mode (return)`, kind: 'plugin', collector: c, env: {}, mode }));
}

/**
 * bpftrace counting what the minimal programs count, on the mode's hook type
 * (kretfunc is bpftrace 0.17's name for fexit). Return values are cast: a
 * kretprobe's `retval` is unsigned.
 */
export function bpftraceScript(mode) {
  const probe = mode === 'trampoline' ? 'kretfunc' : 'kretprobe';
  return `
${probe}:${FUNCTIONS.read} { @read_calls[pid] = count(); if ((int64)retval < 0) { @read_errors[pid] = count(); } else { @read_bytes[pid] = sum((int64)retval); } }
${probe}:${FUNCTIONS.open} { @open_calls[pid] = count(); if ((int64)retval < 0) { @open_errors[pid] = count(); } }
${probe}:${FUNCTIONS.close} { @close_calls[pid] = count(); if ((int32)retval < 0) { @close_errors[pid] = count(); } }
`;
}

/** Build bench/bpf/hook_funcs.bpf.c into `dir`; returns the object's path. */
export function buildFunctionHooks(dir) {
  try {
    execFileSync(process.execPath, [join(REPO, 'bpf/build.mjs'), 'hook_funcs', '--src-dir', join(HERE, 'bpf'), '--out', dir, '--no-ts', '--quiet'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    throw new EnvironmentError(`cannot build bench/bpf/hook_funcs.bpf.c: ${String(err.stderr ?? err.message).trim()}`);
  }
  return join(dir, 'hook_funcs.bpf.o');
}
