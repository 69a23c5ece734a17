#!/usr/bin/env node
/**
 * call-limits: what the sync, mount and shm collectors add per counted
 * syscall against the cheapest minimal programs that get the same
 * information on each hook type this kernel offers, and against bpftrace
 * doing the same count, in one run (bench/hook-limits.mjs does the same for
 * vfs, fd and filesystem). Both sides of a generic hook's trade-off are
 * measured: the ns added to a syscall the collector counts and to one
 * nobody hooks (getppid).
 *
 * Per collector, what it accounts and the workload (bench/bpf/call_loop.c,
 * each call failing at once with EINVAL, the cheapest call still counted):
 *   sync   calls of fsync, fdatasync, msync, sync, syncfs, sync_file_range at
 *          entry, global only                     workload fdatasync(/dev/null)
 *   mount  calls and errors of mount, umount2, move_mount at exit, global
 *          only                                    workload umount2("/", bad flag)
 *   shm    calls of shmget, shmat, shmdt, shmctl at entry, global and per PID
 *          (apps on)                               workload shmdt(unaligned)
 *
 * Configurations, interleaved round by round:
 *   baseline                 nothing attached
 *   minimal tracepoint       the collector's syscalls:sys_{enter,exit}_* events, one program each
 *   minimal tp_btf / raw_tp  one program on the generic sys_enter (sync, shm) or sys_exit (mount), switch on the id
 *   the collector            the plugin with only it on (apps on, collect pid = all, return load mode,
 *                            tracepoint mode); mount also forced onto the generic sys_exit, where it goes
 *                            when another collector already runs one there
 *   bpftrace                 the same count on the same tracepoints
 * The minimal programs are bench/bpf/call_limits.bpf.c, built at bench time
 * with the workload.
 *
 * Usage: node bench/call-limits.mjs [--collectors sync,mount,shm] [--rounds 5] [--n 50000] [--repeat 10] [--cpu 1] [--retries 5] [--no-bpftrace]
 * Run under `flock /tmp/ebpfc-kernel.lock` on a shared machine.
 */
import { pathToFileURL } from 'node:url';
import { runMain } from './lib.mjs';
import { runLimits } from './limits.mjs';

const HELP = `Usage: node bench/call-limits.mjs [options]

ns added per syscall by the sync, mount and shm collectors against minimal
programs doing the same accounting on each hook type (per-syscall
tracepoints, tp_btf and raw_tp on the generic sys_enter/sys_exit) and
against bpftrace, on a syscall each counts (fdatasync, umount2, shmdt, each
failing at once with EINVAL) and on one nobody hooks (getppid), with the
goals: counted at most 1.15x the cheapest minimal program and 0.5x
bpftrace; not hooked at most what the minimal per-syscall tracepoints add
(1.00x). Needs root; run under flock /tmp/ebpfc-kernel.lock.

`;

const GENERIC_ENV = { EBPFC_SYSCALL_EXIT: 'tp_btf,raw_tp,tracepoint' };

const GROUPS = {
  sync: {
    source: 'call_limits',
    loop: 'call_loop',
    workload: 'fdatasync',
    what: 'fdatasync(2) of /dev/null (EINVAL), counted at entry',
    accounting: 'calls per syscall, global per-CPU',
    minimal: [
      { hook: 'tracepoint', label: 'syscalls:sys_enter_* x6', programs: ['fsync', 'fdatasync', 'msync', 'sync', 'syncfs', 'sync_file_range'].map((s) => `tp_sync_${s}`) },
      { hook: 'tp_btf', label: 'tp_btf/sys_enter', programs: ['sync_generic_tp_btf'] },
      { hook: 'raw_tp', label: 'raw_tp/sys_enter', programs: ['sync_generic_raw_tp'] },
    ],
    plugin: [{ label: 'sys_enter_* tracepoints (as it ships)' }],
    bpftrace: ['fsync', 'fdatasync', 'msync', 'sync', 'syncfs', 'sync_file_range']
      .map((s) => `tracepoint:syscalls:sys_enter_${s} { @${s} = count(); }`)
      .join('\n'),
  },
  mount: {
    source: 'call_limits',
    loop: 'call_loop',
    workload: 'umount',
    what: 'umount2(2) of / with an unknown flag (EINVAL), counted with its error at exit',
    accounting: 'calls and errors, global per-CPU',
    minimal: [
      { hook: 'tracepoint', label: 'syscalls:sys_exit_* x3', programs: ['tp_mnt_mount', 'tp_mnt_umount', 'tp_mnt_move_mount'] },
      { hook: 'tp_btf', label: 'tp_btf/sys_exit', programs: ['mount_generic_tp_btf'] },
      { hook: 'raw_tp', label: 'raw_tp/sys_exit', programs: ['mount_generic_raw_tp'] },
    ],
    plugin: [
      { label: 'sys_exit_* tracepoints (as it ships alone)' },
      { label: 'generic sys_exit (as when it shares one)', env: GENERIC_ENV },
    ],
    bpftrace: [
      'tracepoint:syscalls:sys_exit_mount, tracepoint:syscalls:sys_exit_move_mount { @mount = count(); if (args->ret < 0) { @mount_errors = count(); } }',
      'tracepoint:syscalls:sys_exit_umount { @umount = count(); if (args->ret < 0) { @umount_errors = count(); } }',
    ].join('\n'),
  },
  shm: {
    source: 'call_limits',
    loop: 'call_loop',
    workload: 'shmdt',
    what: 'shmdt(2) of an unaligned address (EINVAL), counted at entry',
    accounting: 'calls per syscall, global per-CPU and per PID (hash, tgid key, atomic adds)',
    minimal: [
      { hook: 'tracepoint', label: 'syscalls:sys_enter_shm* x4', programs: ['tp_shm_get', 'tp_shm_at', 'tp_shm_dt', 'tp_shm_ctl'] },
      { hook: 'tp_btf', label: 'tp_btf/sys_enter', programs: ['shm_generic_tp_btf'] },
      { hook: 'raw_tp', label: 'raw_tp/sys_enter', programs: ['shm_generic_raw_tp'] },
    ],
    plugin: [{ label: 'sys_enter_shm* tracepoints (as it ships)' }],
    bpftrace: ['get', 'at', 'dt', 'ctl'].map((c) => `tracepoint:syscalls:sys_enter_shm${c} { @shm${c} = count(); @shm${c}_pid[pid] = count(); }`).join('\n'),
  },
};

export function main(argv) {
  return runLimits(
    {
      name: 'call-limits',
      help: HELP,
      groups: GROUPS,
      defaults: 'sync,mount,shm',
      title: 'call-limits: ns per syscall added by sync, mount and shm vs minimal programs and bpftrace',
      notes: [
        "Collectors: the plugin with only that collector on, apps on, collect pid = all, return load mode, tracepoint mode; mount's generic row forces EBPFC_SYSCALL_EXIT=tp_btf,raw_tp,tracepoint (alone it keeps its tracepoints; beside vfs, fd, filesystem or socket it joins their generic sys_exit).",
      ],
    },
    argv,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runMain('call-limits', main);
