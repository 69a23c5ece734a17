/**
 * event-limits groups of the process collector (bpf/process.bpf.c). In
 * tracepoint mode with return load mode it attaches raw_tp
 * sched_process_fork, sched_process_exit and sched_process_free, and the
 * syscalls tracepoints sys_enter_clone, sys_enter_clone3, sys_exit_clone,
 * sys_exit_clone3, sys_exit_fork and sys_exit_vfork (the flags saved at
 * entry in a hash by pid_tgid, taken back at exit to tell a failed thread
 * from a failed process).
 *
 * The workload (bench/bpf/process_loop.c): clone(2) of a process sharing
 * the parent's memory, files and signal handlers, the child exits at once,
 * the parent reaps it; one operation fires every hook the collector has
 * for a task's life (the clone entry, fork, two clone exits, exit, free).
 * Two groups time it:
 *   process      `clone`: CPU time of the parent, its children and
 *                ksoftirqd on the pinned CPU (where part of the RCU
 *                callbacks that free tasks run): everything the hooks cost,
 *                but an operation is 30-40 us on this VM and moves by a few
 *                percent between runs, so several rounds are needed
 *   process-bpf  `clone_bpf`: the BPF programs' own run time per operation
 *                (kernel BPF stats): exact, but only the program bodies
 *
 * Minimal programs (bench/bpf/process_limits.bpf.c), each configuration the
 * three sched events on one hook type and the clone errors on the cheapest
 * way that hook family has:
 *   tracepoint          tracepoint/sched/* and syscalls/sys_exit_* alone (flags from the task's registers)
 *   raw_tp + sys_exit_* raw_tp/sched_* and the same sys_exit_* tracepoints (the collector's hook choice)
 *   tp_btf + sys_exit_* tp_btf/sched_* and the same
 *   raw_tp              raw_tp/sched_* and raw_tp/sys_exit (generic: runs on every syscall)
 *   tp_btf              tp_btf/sched_* and tp_btf/sys_exit
 *   collector's design  raw_tp/sched_* and sys_enter_clone{,3} saving the flags, the exits taking them:
 *                       what the collector's clone bookkeeping costs over the exit-only programs
 * bpftrace (0.17: no raw tracepoints) counts the same on tracepoint:sched:*
 * and the sys_exit_* tracepoints, as the tracepoint minimal programs do.
 */
import { execFileSync } from 'node:child_process';
import { EnvironmentError } from '../lib.mjs';

const SCHED = (prefix) => [`${prefix}_fork`, `${prefix}_exit`, `${prefix}_free`];
const ERR_TP = ['err_tp_clone', 'err_tp_clone3', 'err_tp_fork', 'err_tp_vfork'];

/** Type and size of the plugin's per-PID table (the minimal programs use the same kind), from bpftool. */
function pidTable() {
  try {
    const maps = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show'], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    const t = maps.filter((m) => m.name === 'tbl_pid_stats');
    return t.length ? `tbl_pid_stats ${t.map((m) => `${m.type}, ${m.max_entries} entries`).join('; ')}` : 'tbl_pid_stats not seen';
  } catch (err) {
    return `tbl_pid_stats unknown (${err.message})`;
  }
}

/** Byte offset of task_struct.thread_node in the running kernel's BTF (bpftrace 0.17 has no offsetof). */
function threadNodeOffset() {
  const dump = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const start = dump.search(/^\[\d+\] STRUCT 'task_struct' /m);
  const end = dump.indexOf('\n[', start + 1);
  const m = start < 0 ? null : /'thread_node' type_id=\d+ bits_offset=(\d+)/.exec(dump.slice(start, end));
  if (!m) throw new EnvironmentError('process group: task_struct.thread_node not found in /sys/kernel/btf/vmlinux (bpftool btf dump)');
  return Number(m[1]) / 8;
}

/**
 * The bpftrace count: as the tracepoint minimal programs do it (the fork's child found at the tail of the
 * parent's thread list, a thread's tgid kept from its exit for its free), failed clones' flags from the
 * task's saved registers (x86-64: the top of its 16 KiB kernel stack), clone3's from its user struct.
 */
let script;
function bpftraceScript() {
  script ??= [
    `tracepoint:sched:sched_process_fork { $last = (struct task_struct *)((uint64)curtask->signal->thread_head.prev - ${threadNodeOffset()}); if ($last->pid == args->child_pid) { @new_thread = count(); @create_thread[pid] = count(); } else { @new_process = count(); @create_process[pid] = count(); } }`,
    'tracepoint:sched:sched_process_exit { @exit = count(); @exit_call[pid] = count(); if (tid != pid) { @thread_tgid[tid] = pid; } }',
    'tracepoint:sched:sched_process_free { $tgid = @thread_tgid[args->pid]; if ($tgid) { delete(@thread_tgid[args->pid]); } else { $tgid = args->pid; } @release = count(); @release_call[$tgid] = count(); }',
    'tracepoint:syscalls:sys_exit_clone /args->ret < 0/ { $regs = (struct pt_regs *)((uint64)curtask->stack + 16384 - sizeof(struct pt_regs)); if ($regs->di & 0x10000) { @thread_error = count(); } else { @process_error = count(); } @task_err[pid] = count(); }',
    'tracepoint:syscalls:sys_exit_clone3 /args->ret < 0/ { $regs = (struct pt_regs *)((uint64)curtask->stack + 16384 - sizeof(struct pt_regs)); if (*(uint64 *)uptr($regs->di) & 0x10000) { @thread_error = count(); } else { @process_error = count(); } @task_err[pid] = count(); }',
    'tracepoint:syscalls:sys_exit_fork, tracepoint:syscalls:sys_exit_vfork /args->ret < 0/ { @process_error = count(); @task_err[pid] = count(); }',
  ].join('\n');
  return script;
}

const common = {
  collector: 'process',
  source: 'process_limits',
  loop: 'process_loop',
  n: 1000,
  unit: 'clone+exit+wait',
  accounting:
    'new process/thread (the child\'s tgid tells), exit, release (keyed by the freed task\'s tgid) and clone/clone3/fork/vfork failures split by CLONE_THREAD, each global (per-CPU lanes) and per PID (PERCPU_HASH of 32,768 entries, as the plugin makes it with its defaults on this machine)',
  minimal: [
    { hook: 'tracepoint', label: 'sched:* + syscalls:sys_exit_*', programs: [...SCHED('tp'), ...ERR_TP] },
    { hook: 'raw_tp + sys_exit_*', label: 'raw_tp/sched_* + syscalls:sys_exit_*', programs: [...SCHED('raw'), ...ERR_TP] },
    { hook: 'tp_btf + sys_exit_*', label: 'tp_btf/sched_* + syscalls:sys_exit_*', programs: [...SCHED('btf'), ...ERR_TP] },
    { hook: 'raw_tp', label: 'raw_tp/sched_* + raw_tp/sys_exit', programs: [...SCHED('raw'), 'err_generic_raw_tp'] },
    { hook: 'tp_btf', label: 'tp_btf/sched_* + tp_btf/sys_exit', programs: [...SCHED('btf'), 'err_generic_tp_btf'] },
    {
      hook: 'raw_tp + sys_enter/exit_* (flags saved)',
      label: "raw_tp/sched_* + clone flags saved at entry (the collector's design)",
      programs: [...SCHED('raw'), 'saved_enter_clone', 'saved_enter_clone3', 'saved_exit_clone', 'saved_exit_clone3', 'err_tp_fork', 'err_tp_vfork'],
    },
  ],
  plugin: [
    { label: 'tp_btf/sched_* + syscalls:sys_exit_* (as it ships)' },
    { label: 'raw_tp/sched_* + syscalls:sys_exit_* (EBPFC_TRACEPOINT_HOOK=raw_tp)', env: { EBPFC_TRACEPOINT_HOOK: 'raw_tp' } },
  ],
  check: () => pidTable(),
};

const EVENTS =
  'clone(2) of a process sharing memory, files, fs and signal handlers, the child exit(2)s, the parent waitpid(2)s: sys_enter_clone (hooked only by the minimal design with flags saved at entry), sched_process_fork, sys_exit_clone x2 (parent, child), sched_process_exit, sched_process_free (RCU callback) each';

export const groups = {
  process: {
    ...common,
    workload: 'clone',
    what: `${EVENTS}; ns = CPU time of the parent + its children + ksoftirqd on the pinned CPU (on this VM a round's fastest batch moves by up to 20% from round to round, more than the 2-3 us the programs add: read process-bpf beside it)`,
    // Built when the bench asks (it reads the kernel's BTF), not when this file is imported.
    get bpftrace() {
      return bpftraceScript();
    },
  },
  // The same configurations, timed by the programs' own run time: exact where the clock above moves by more
  // than the programs add, but blind to what a hook costs around the program (see bench/bpf/process_loop.c).
  'process-bpf': {
    ...common,
    workload: 'clone_bpf',
    what: `${EVENTS}; ns = BPF program run time per operation (kernel BPF stats, program bodies only, every CPU)`,
    get bpftrace() {
      return bpftraceScript();
    },
  },
};
