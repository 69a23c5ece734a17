/**
 * event-limits groups of the irq collectors (packages/collector-irq):
 *   softirq        time and count per softirq vector (bpf/softirq.bpf.c), on
 *                  irq:softirq_{entry,exit}; workload: 1-byte UDP datagrams
 *                  over loopback (io_loop `udp`), whose NET_RX softirq runs
 *                  in the sender's context, one entry/exit pair a datagram.
 *   hardirq        time and count per IRQ line and per x86 system vector
 *                  (bpf/hardirq.bpf.c), on irq:irq_handler_{entry,exit} and
 *                  irq_vectors:<vector>_{entry,exit}. Its vector path:
 *                  function-call IPIs (io_loop `ipi`: membarrier from the
 *                  other CPU while a thread spins on the bench CPU), the
 *                  cheapest hard interrupt user space can cause at will.
 *   hardirq-line   the same collector on its IRQ-line path: the disk's
 *                  interrupt, from O_DIRECT reads of a file on the disk
 *                  (io_loop `dread`, shared with the disk group).
 *
 * What is timed (the `_bpf` ops): the BPF programs' own run time per
 * operation, from the kernel's BPF run-time statistics (bodies only, every
 * CPU; the hook's dispatch, such as building a tracepoint's record or the
 * trampoline around a tp_btf program, is not in it). The thread's CPU clock
 * was tried first for udp and ipi (the softirq runs in the sender, the
 * IPI's caller spins until the handler is done, so the clock holds the
 * programs): an operation costs 4-6 us in this VM and the fastest batch of a
 * run moved by 300-800 ns from run to run with nothing attached, more than
 * the 300-500 ns the programs add; a disk read (tens of us, varying by
 * several) is worse. Per-program run time is steady to some 10%.
 *
 * Both collectors keep per-CPU slots only (no apps charts): no per-PID table.
 * Each runs as it ships (tracepoint mode) and in trampoline mode (tp_btf).
 */
import { diskFile, writeDiskFile } from "./disk.mjs";

/** The system vectors this kernel has tracepoints for, with the collector's slot of each (bpf/hardirq.h). */
const VECTORS = [
  ["thermal_apic", 0],
  ["error_apic", 2],
  ["spurious_apic", 4],
  ["call_function", 5],
  ["call_function_single", 6],
  ["reschedule", 7],
  ["local_timer", 8],
  ["irq_work", 9],
  ["x86_platform_ipi", 10],
];

const PLUGIN = [
  { label: "tracepoints (as it ships)" },
  { label: "trampoline mode (tp_btf)", mode: "trampoline" },
];

/** Entry stores a per-CPU timestamp; exit, when there is one, adds the time and a count per slot. */
const pair = (entry, exit, key, slot) =>
  `${entry} { @${key}_ts[cpu, ${slot}] = nsecs; }\n` +
  `${exit} { $s = @${key}_ts[cpu, ${slot}]; if ($s) { @${key}_ns[${slot}] = sum(nsecs - $s); @${key}_n[${slot}] = count(); @${key}_ts[cpu, ${slot}] = 0; } }`;

const HARDIRQ_MINIMAL = (hook, prefix, label) => ({
  hook,
  label,
  programs: [
    `${prefix}_hardirq_line_entry`,
    `${prefix}_hardirq_line_exit`,
    ...VECTORS.flatMap(([v]) => [
      `${prefix}_hardirq_${v}_entry`,
      `${prefix}_hardirq_${v}_exit`,
    ]),
  ],
});

const HARDIRQ_BASE = {
  collector: "hardirq",
  source: "irq_limits",
  loop: "io_loop",
  loopLibs: ["-lpthread"],
  accounting:
    "per-CPU time and count per IRQ line (array by IRQ number) and per system vector (9 here), entry timestamp per slot",
  minimal: [
    HARDIRQ_MINIMAL("tracepoint", "tp", "irq:irq_handler_* + irq_vectors:* x9"),
    HARDIRQ_MINIMAL("raw_tp", "raw", "raw_tp/irq_handler_* + vectors x9"),
    HARDIRQ_MINIMAL("tp_btf", "btf", "tp_btf/irq_handler_* + vectors x9"),
  ],
  plugin: PLUGIN,
  bpftrace: [
    pair(
      "tracepoint:irq:irq_handler_entry",
      "tracepoint:irq:irq_handler_exit",
      "line",
      "args->irq"
    ),
    // bpftrace 0.17 is refused irq_vectors:irq_work_exit here (perf_event_open: EPERM) and then exits: left out.
    ...VECTORS.filter(([v]) => v !== "irq_work").map(([v, slot]) =>
      pair(
        `tracepoint:irq_vectors:${v}_entry`,
        `tracepoint:irq_vectors:${v}_exit`,
        "vec",
        slot
      )
    ),
  ].join("\n"),
};

export const groups = {
  softirq: {
    source: "irq_limits",
    loop: "io_loop",
    loopLibs: ["-lpthread"],
    workload: "udp_bpf",
    n: 4000,
    unit: "datagram",
    what: "one 1-byte UDP datagram to its own socket on 127.0.0.1 (sendmmsg/recvmmsg of 32), its NET_RX softirq run in the sender (one softirq_entry/exit each); ns = BPF program run time per datagram (kernel BPF stats, bodies only)",
    accounting:
      "per-CPU time and count per softirq vector (array of 10), entry timestamp per slot",
    minimal: [
      {
        hook: "tracepoint",
        label: "irq:softirq_{entry,exit}",
        programs: ["tp_softirq_entry", "tp_softirq_exit"],
      },
      {
        hook: "raw_tp",
        label: "raw_tp/softirq_{entry,exit}",
        programs: ["raw_softirq_entry", "raw_softirq_exit"],
      },
      {
        hook: "tp_btf",
        label: "tp_btf/softirq_{entry,exit}",
        programs: ["btf_softirq_entry", "btf_softirq_exit"],
      },
    ],
    plugin: PLUGIN,
    bpftrace: pair(
      "tracepoint:irq:softirq_entry",
      "tracepoint:irq:softirq_exit",
      "softirq",
      "args->vec"
    ),
  },
  hardirq: {
    ...HARDIRQ_BASE,
    workload: "ipi_bpf",
    n: 5000,
    unit: "IPI",
    what: "membarrier(PRIVATE_EXPEDITED) from the other CPU while a thread spins on the bench CPU: one call_function_single IPI (entry/exit pair) each; ns = BPF program run time per IPI (kernel BPF stats, bodies only)",
  },
  // The bpftrace script has no irq_work pair (see above): it does not change what these workloads cause.
  "hardirq-line": {
    ...HARDIRQ_BASE,
    workload: "dread_bpf",
    n: 1000,
    unit: "read",
    what: "O_DIRECT pread(2) of 4 KiB from a 16 MiB file on the disk, one interrupt of the disk's IRQ line each; ns = BPF program run time per read (kernel BPF stats, bodies only, every CPU)",
    setup: (work) => writeDiskFile(work, "hardirq-line"),
    loopArgs: (work) => [diskFile(work, "hardirq-line")],
  },
};
