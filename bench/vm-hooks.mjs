#!/usr/bin/env node
/**
 * vm-hooks: bench/hook-limits.mjs in the function-hook attach modes
 * (trampoline = fentry/fexit, probe = kprobe/kretprobe), which this
 * project's host kernel does not offer, on the VM lane's guest (Debian's
 * stock 6.1 kernel under qemu TCG, this machine's root shared read-only; see
 * test/vm/README.md). One VM per mode, each booted under
 * `flock /tmp/ebpfc-vm.lock` (other people use the VM lane too).
 *
 * The guest is emulated, about 20-50x slower per syscall: only the ratios of
 * one run mean anything (ns added vs the cheapest minimal program on any hook
 * type the guest offers, including tp_btf/raw_tp sys_exit, and vs bpftrace on
 * the mode's hook), and the sizes are small so that a mode takes minutes.
 * The minimal objects and the workload are built here, on the host, into a
 * directory under /var/tmp (the guest sees the host's /var/tmp, not its /tmp).
 *
 * Not part of any test suite or CI: run by hand, as root, on a host that has
 * the VM lane's tools (`node test/vm/run.mjs --check`).
 *
 * Usage: node bench/vm-hooks.mjs [--modes trampoline,probe] [--rounds 3] [--n 1000] [--repeat 15]
 *                                [--collectors vfs,fd] [--timeout 1800] [--no-bpftrace]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runInVm, VmError } from '../test/vm/vm.mjs';
import { build } from './hook-limits.mjs';
import { FUNCTION_MODES } from './hook-modes.mjs';
import { EXIT_ENV, EXIT_FAIL, EXIT_USAGE, log, preflight, runMain } from './lib.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '..');
const VM_LOCK = '/tmp/ebpfc-vm.lock';

const HELP = `Usage: node bench/vm-hooks.mjs [options]

Runs bench/hook-limits.mjs --mode trampoline and --mode probe in the VM
lane's guest (Debian 6.1 under qemu TCG), one VM per mode, each under
flock ${VM_LOCK}, and prints each mode's table (ns added per syscall by vfs
and fd against minimal programs on every hook type the guest offers and
against bpftrace, with the goals and PASS/FAIL). Emulated: only the
ratios count. Never run in CI.

Options:
  --modes LIST        function modes to run (default trampoline,probe)
  --collectors LIST   passed on (default vfs,fd)
  --rounds N          interleaved rounds in the guest (default 3)
  --n N               syscalls per timed batch in the guest (default 1000)
  --repeat N          batches per workload and round, the fastest counts (default 15;
                      small batches, many of them: a host preemption spoils fewer)
  --timeout S         limit per VM in seconds, boot included (default 1800)
  --no-bpftrace       leave bpftrace out
  --help

Exit codes: 0 every mode ran, 1 a mode failed in the guest, 2 the VM lane
cannot run here, 64 bad command line.
`;

export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      modes: { type: 'string', default: 'trampoline,probe' },
      collectors: { type: 'string', default: 'vfs,fd' },
      rounds: { type: 'string', default: '3' },
      n: { type: 'string', default: '1000' },
      repeat: { type: 'string', default: '15' },
      timeout: { type: 'string', default: '1800' },
      'no-bpftrace': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const modes = values.modes.split(',').filter(Boolean);
  const bad = modes.filter((m) => !FUNCTION_MODES.has(m));
  const numbers = [values.rounds, values.n, values.repeat, values.timeout].map(Number);
  if (bad.length || modes.length === 0 || !numbers.every((v) => Number.isInteger(v) && v > 0)) {
    process.stderr.write(`vm-hooks: ${bad.length ? `--modes ${bad.join(', ')}: not a function mode (${[...FUNCTION_MODES].join(', ')})` : 'bad option value'}\n${HELP}`);
    return EXIT_USAGE;
  }
  preflight({ tracefs: false });

  // Built on the host, where the compilers run at full speed; /var/tmp is part of the root the guest shares.
  const dir = mkdtempSync('/var/tmp/ebpfc-vm-hooks-');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  build(dir, 'trampoline');

  const guestArgs = [
    join(HERE, 'hook-limits.mjs'),
    '--prebuilt', dir,
    '--collectors', values.collectors,
    '--rounds', values.rounds,
    '--n', values.n,
    '--repeat', values.repeat,
    '--cpu', '1',
    ...(values['no-bpftrace'] ? ['--no-bpftrace'] : []),
  ];
  const failed = [];
  for (const mode of modes) {
    const lock = await holdLock(VM_LOCK);
    const started = Date.now();
    try {
      log(`vm-hooks: ${mode}: booting the guest (${VM_LOCK} held)`);
      process.stdout.write(`# vm-hooks: mode ${mode}, VM lane guest (qemu TCG, emulated: only ratios count; batches timed with CLOCK_MONOTONIC), host load at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
      const result = await runInVm({
        command: [process.execPath, ...guestArgs, '--mode', mode],
        cwd: REPO,
        // The guest's thread CPU clock stalls and jumps under TCG (a getppid batch took 0 ns): wall time, fastest batch.
        env: { SYSCALL_LOOP_CLOCK: 'monotonic' },
        timeoutMs: Number(values.timeout) * 1000,
        onStdout: (chunk) => process.stdout.write(chunk),
        onStderr: (chunk) => process.stderr.write(chunk),
      });
      log(`vm-hooks: ${mode}: guest ${result.kernelRelease}, exit ${result.exitCode}, boot ${(result.bootMs / 1000).toFixed(1)} s, benchmark ${(result.commandMs / 1000).toFixed(1)} s`);
      process.stdout.write(`# vm-hooks: mode ${mode}: guest kernel ${result.kernelRelease}, exit ${result.exitCode}, ${((Date.now() - started) / 1000).toFixed(0)} s in all\n\n`);
      if (result.exitCode !== 0) failed.push(mode);
    } catch (err) {
      if (err instanceof VmError && ['MISSING_DEPENDENCY', 'KERNEL_NOT_FOUND', 'DOWNLOAD_FAILED', 'BUILD_FAILED'].includes(err.code)) {
        log(`vm-hooks: the VM lane cannot run here: ${err.message} (node test/vm/run.mjs --check; test/vm/deps.sh installs what is missing)`);
        return EXIT_ENV;
      }
      log(`vm-hooks: ${mode}: ${err.message}`);
      failed.push(mode);
    } finally {
      await lock.release();
    }
  }
  if (failed.length) log(`vm-hooks: failed: ${failed.join(', ')}`);
  return failed.length ? EXIT_FAIL : 0;
}

/**
 * Hold `path` with flock(1) until release(): `flock` runs `cat`, which keeps
 * the lock until its stdin closes (also when this process dies).
 */
async function holdLock(path) {
  const child = spawn('flock', [path, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let waiting = setTimeout(() => log(`vm-hooks: waiting for ${path} (another VM run holds it)`), 2000);
  await new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d) => d.includes('locked') && resolve());
    child.on('error', (err) => reject(new Error(`cannot run flock: ${err.message} (apt-get install util-linux)`)));
    exited.then((code) => reject(new Error(`flock ${path} exited (${code}) before taking the lock`)));
  });
  clearTimeout(waiting);
  waiting = undefined;
  return {
    release: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runMain('vm-hooks', main);
