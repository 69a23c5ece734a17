#!/usr/bin/env node
/**
 * shared-sys-exit: what it costs a syscall collector to join a generic
 * `sys_exit` program another collector already runs (the kit's
 * `planSyscallExit` with `shareGeneric`) instead of its own per-syscall
 * tracepoints. The plugin runs vfs (generic exit) beside the measured
 * collector, once with sharing (the default) and once with
 * `EBPFC_SYSCALL_EXIT_SHARE=no`, against nothing attached, in interleaved
 * rounds; bench/bpf/syscall_loop.c times getppid (no collector hooks it),
 * read (vfs counts it) and openat+close (fd counts them).
 *
 * Usage: node bench/shared-sys-exit.mjs [--rounds 5] [--collector fd|socket|mount] [--n 50000] [--repeat 20] [--cpu 1]
 * Run under `flock /tmp/ebpfc-kernel.lock` on a shared machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ALL_COLLECTORS, EXIT_USAGE, EnvironmentError, fmt, log, median, preflight, printTable, removeDir, runMain, sleep, startPlugin } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

const HELP = `Usage: node bench/shared-sys-exit.mjs [options]

ns added per syscall by vfs plus one more syscall collector, the latter on
its per-syscall tracepoints (EBPFC_SYSCALL_EXIT_SHARE=no) or sharing vfs's
generic sys_exit hook (default), and the perf-event links each holds.

Options:
  --collector NAME    fd (default), socket or mount
  --rounds N          interleaved rounds (default 5)
  --n N               syscalls per timed batch (default 50000)
  --repeat N          batches per workload and round; the fastest counts (default 20)
  --cpu N             CPU the workload is pinned to (default 1)
  --help
`;

const OPS = ['getppid', 'read', 'openclose'];

export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      collector: { type: 'string', default: 'fd' },
      rounds: { type: 'string', default: '5' },
      n: { type: 'string', default: '50000' },
      repeat: { type: 'string', default: '20' },
      cpu: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const rounds = Number(values.rounds);
  if (!['fd', 'socket', 'mount'].includes(values.collector) || !Number.isInteger(rounds) || rounds < 1) {
    process.stderr.write(`shared-sys-exit: bad option value (--collector fd, socket or mount, --rounds a positive integer)\n${HELP}`);
    return EXIT_USAGE;
  }
  preflight();
  const on = ['vfs', values.collector];
  const work = mkdtempSync(join(tmpdir(), 'ebpfc-bench-shared-'));
  try {
    const loop = join(work, 'syscall_loop');
    try {
      execFileSync(process.env.CC || 'cc', ['-O2', '-Wall', '-o', loop, join(HERE, 'bpf/syscall_loop.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      throw new EnvironmentError(`cannot build bench/bpf/syscall_loop.c: ${String(err.stderr ?? err.message).trim()} (apt-get install gcc)`);
    }
    const dir = join(work, 'conf');
    mkdirSync(join(dir, 'ebpf.d'), { recursive: true });
    // Only vfs and the measured collector: the stock set's sync, mount, shm and oomkill off too.
    const programs = [...ALL_COLLECTORS, 'sync', 'mount', 'shm', 'oomkill'].map((c) => `    ${c} = ${on.includes(c) ? 'yes' : 'no'}\n`).join('');
    writeFileSync(
      join(dir, 'ebpf.d.conf'),
      `[global]\n    update every = 1\n    apps = yes\n    cgroups = no\n    ebpf load mode = return\n\n[ebpf programs]\n${programs}`,
    );
    for (const c of on) writeFileSync(join(dir, 'ebpf.d', `${c}.conf`), '[global]\n    collect pid = all\n');
    const run = (op) => Number(execFileSync(loop, [op, values.n, values.repeat, values.cpu], { encoding: 'utf8' }).trim());
    const configs = [
      { name: 'baseline (nothing attached)' },
      { name: `vfs generic + ${values.collector} per-syscall (EBPFC_SYSCALL_EXIT_SHARE=no)`, env: { EBPFC_SYSCALL_EXIT_SHARE: 'no' } },
      { name: `vfs generic + ${values.collector} sharing it (default)`, env: {} },
    ];
    const res = configs.map(() => ({ links: [], ...Object.fromEntries(OPS.map((o) => [o, []])) }));
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [...configs.keys()].reverse() : [...configs.keys()];
      for (const i of order) {
        const plugin = configs[i].env
          ? await startPlugin(['1', '--collectors', on.join(','), '--duration', '600', '--config-dir', dir], { expect: on, env: configs[i].env })
          : undefined;
        try {
          if (plugin) {
            await sleep(300);
            res[i].links.push(perfEventLinks());
          }
          for (const o of OPS) res[i][o].push(run(o));
        } finally {
          await plugin?.stop();
        }
        log(`round ${r + 1}/${rounds} ${configs[i].name}: ${OPS.map((o) => `${o} ${fmt(res[i][o].at(-1), 0)} ns`).join(', ')}`);
      }
    }
    const rows = configs.map((c, i) => [
      c.name,
      i === 0 ? '-' : String(median(res[i].links)),
      ...OPS.map((o) => {
        const added = median(res[i][o].map((v, k) => v - res[0][o][k]));
        return `${fmt(median(res[i][o]), 0)} (+${fmt(added, 0)})`;
      }),
    ]);
    printTable(
      `shared-sys-exit: ${values.collector} beside vfs, on its own tracepoints or on vfs's generic sys_exit hook`,
      ['configuration', 'perf-event links', 'getppid ns (+added)', 'read ns (+added)', 'openat+close ns per syscall (+added)'],
      rows,
      [
        `Medians over ${rounds} interleaved rounds of the fastest of ${values.repeat} batches of ${values.n} syscalls on CPU ${values.cpu}; +added = median of per-round differences to the baseline.`,
        'Apps on, collect pid = all, return load mode, tracepoint mode. perf-event links = `bpftool link list` entries of that type while the plugin ran.',
      ],
    );
    return 0;
  } finally {
    removeDir(work);
  }
}

/** perf-event links in the kernel now (each waits one grace period, serialized, at detach). */
function perfEventLinks() {
  const out = execFileSync('bpftool', ['-j', 'link', 'list'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out).filter((l) => l.type === 'perf_event').length;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runMain('shared-sys-exit', main);
