#!/usr/bin/env node
/**
 * Runs the benchmarks one after another, each in its own Node process (so
 * one's loaded maps or JIT state cannot touch the next). Progress and logs go
 * to stderr, result tables to stdout.
 *
 * Usage: node bench/run.mjs [map-read] [hook-overhead] [hook-limits] [call-limits] [event-limits] [plugin-footprint] [plugin-stop] [kernel-functions] [soak] [vm-hooks] [-- options for each]
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_ENV, EXIT_USAGE, EnvironmentError, log, preflight } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));

const BENCHMARKS = {
  'map-read': 'whole-map read of a 1k/8k/32k-entry per-PID table: BPF_MAP_LOOKUP_BATCH vs get_next_key+lookup (baseline)',
  'hook-overhead': 'time a syscall-heavy workload adds per event with each collector attached vs none (baseline)',
  'hook-limits': 'ns per syscall vfs/fd add (per-syscall tracepoints vs one generic sys_exit program) against minimal programs per hook type and bpftrace, on hooked syscalls and getppid; goals PASS/FAIL',
  'call-limits': 'the same for sync, mount and shm (fdatasync, umount2, shmdt failing with EINVAL, and getppid): minimal programs per hook type and bpftrace; goals PASS/FAIL',
  'event-limits': 'the same for the event collectors (process, socket, softirq, hardirq, disk, cachestat, oomkill): ns per event their workload causes against minimal programs per hook type and bpftrace; goals PASS/FAIL',
  'plugin-footprint': "the plugin's CPU per second and peak RSS with every collector on vs an idle node process (baseline)",
  'kernel-functions': 'kernel-function lookups at start-up: features.hasKernelFunction vs one BTF parse per name (baseline)',
  'plugin-stop': 'SIGTERM to exit with every collector on: links detached several at once vs one by one (baseline); nothing left attached',
  soak: 'N minutes (default 10) of process churn, socket and file traffic: RSS per minute flat (±5%), CPU, forks counted vs /proc/stat; only when named',
  'vm-hooks': 'hook-limits in trampoline and probe modes inside the VM lane (qemu TCG guest, one VM per mode under flock /tmp/ebpfc-vm.lock): ratios only; only when named',
};

/** Run only when named: they take many minutes. */
const ON_REQUEST = new Set(['soak', 'vm-hooks']);

const HELP = `Usage: node bench/run.mjs [NAME...] [-- OPTIONS]
       pnpm bench [NAME...]

Runs the named benchmarks (default: all but soak and vm-hooks, in this order), each printing a
table with ratios against a baseline measured in the same run. Needs root.
Results go to stdout, progress to stderr. OPTIONS after "--" are passed to
every benchmark named (e.g. node bench/run.mjs hook-overhead -- --rounds 6).
"node bench/NAME.mjs --help" lists each one's options.

Benchmarks:
${Object.entries(BENCHMARKS)
  .map(([name, what]) => `  ${name.padEnd(18)}${what}`)
  .join('\n')}

Exit codes: 0 all ran, 1 a benchmark failed, 2 cannot run here (not root,
no tracefs...), 64 bad command line.
`;

function runOne(name, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(here, `${name}.mjs`), ...args], { stdio: 'inherit' });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

async function main(argv) {
  const dash = argv.indexOf('--');
  const names = dash === -1 ? argv : argv.slice(0, dash);
  const passThrough = dash === -1 ? [] : argv.slice(dash + 1);
  if (names.includes('--help') || names.includes('-h') || names.includes('help')) {
    process.stdout.write(HELP);
    return 0;
  }
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length) {
    process.stderr.write(`run: unknown benchmark ${unknown.join(', ')}\n\n${HELP}`);
    return EXIT_USAGE;
  }
  const selected = names.length ? Object.keys(BENCHMARKS).filter((n) => names.includes(n)) : Object.keys(BENCHMARKS).filter((n) => !ON_REQUEST.has(n));

  try {
    // map-read attaches nothing, so it alone does not need tracefs.
    preflight({ tracefs: selected.some((n) => n !== 'map-read') });
  } catch (err) {
    if (!(err instanceof EnvironmentError)) throw err;
    process.stderr.write(`run: cannot run the benchmarks: ${err.message}\n`);
    return EXIT_ENV;
  }

  process.stdout.write(`# ebpf-collectors benchmarks, ${new Date().toISOString()}\n\n`);
  const failed = [];
  let worst = 0;
  for (const name of selected) {
    const started = Date.now();
    log(`=== ${name}: ${BENCHMARKS[name]}`);
    const code = await runOne(name, passThrough);
    log(`=== ${name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (code !== 0) {
      failed.push(name);
      worst = code === EXIT_ENV && worst === 0 ? EXIT_ENV : 1;
    }
  }
  if (failed.length) log(`failed: ${failed.join(', ')}`);
  return worst;
}

process.exitCode = await main(process.argv.slice(2));
