#!/usr/bin/env node
// CLI for the VM lane: run one command as root inside the Debian 6.1 VM, with the caller's cwd,
// print its output as it comes, and exit with its exit status.

import { parseArgs } from 'node:util';
import { checkHost, runInVm, stderrLog, VmError } from './vm.mjs';

const USAGE = `usage: node test/vm/run.mjs [options] -- <command> [args...]
       node test/vm/run.mjs --check

Boots Debian's stock 6.1 kernel under qemu (software emulation), with this machine's root
shared read-only at the same paths, and runs <command> as root in the caller's cwd.
The guest has tmpfs on /tmp and /run, and proc, sysfs, tracefs, debugfs and bpffs mounted.
Its environment is PATH, HOME=/root, TERM=dumb, LANG=C.UTF-8 plus --env values only.

options:
  --timeout S      kill the VM after S seconds, boot included (default 300)
  --env K=V        set an environment variable in the guest (repeatable)
  --memory MB      guest memory (default 2048)
  --cpus N         guest CPUs (default 2)
  -q, --quiet      no [vm] progress lines on stderr
  --check          report which host prerequisites are present and exit 0 (ready) or 1
  -h, --help       this text

exit status: the command's own; 125 when the lane itself failed (missing tool, boot failure,
timeout); 130 when interrupted. The first run downloads one kernel package (~70 MB).
`;

/** Exit status for failures of the lane rather than the command (as `git bisect run` reserves 125). */
const LANE_FAILED = 125;

/** Our options that take a separate value word (`--timeout 60`). */
const WITH_VALUE = new Set(['--timeout', '--env', '--memory', '--cpus']);

/** @param {string[]} argv */
function parse(argv) {
  // Everything after the first `--`, or else from the first word that is not one of our options,
  // belongs to the command, so its own options (-r, --help) are never mistaken for ours.
  const split = argv.indexOf('--');
  let own = split === -1 ? argv : argv.slice(0, split);
  let rest = split === -1 ? [] : argv.slice(split + 1);
  if (split === -1) {
    let i = 0;
    while (i < argv.length && argv[i].startsWith('-')) i += WITH_VALUE.has(argv[i]) ? 2 : 1;
    own = argv.slice(0, i);
    rest = argv.slice(i);
  }
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      timeout: { type: 'string' },
      env: { type: 'string', multiple: true },
      memory: { type: 'string' },
      cpus: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      check: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = [...positionals, ...rest];
  /** @type {Record<string, string>} */
  const env = {};
  for (const kv of values.env ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new Error(`--env expects K=V, got ${kv}`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  /** @param {string | undefined} v @param {string} name @param {number} fallback */
  const positive = (v, name, fallback) => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} expects a positive number, got ${v}`);
    return n;
  };
  return {
    help: Boolean(values.help),
    check: Boolean(values.check),
    quiet: Boolean(values.quiet),
    timeoutMs: positive(values.timeout, 'timeout', 300) * 1000,
    memoryMb: Math.round(positive(values.memory, 'memory', 2048)),
    cpus: Math.round(positive(values.cpus, 'cpus', 2)),
    env,
    command,
  };
}

async function printCheck() {
  const checks = await checkHost();
  for (const c of checks) {
    const mark = c.ok ? 'ok     ' : c.required ? 'MISSING' : 'absent ';
    process.stdout.write(`${mark} ${c.name}: ${c.detail}${c.ok || !c.fix ? '' : `\n        fix: ${c.fix}`}\n`);
  }
  const ready = checks.every((c) => c.ok || !c.required);
  process.stdout.write(ready ? 'VM lane: ready\n' : 'VM lane: not ready (fix: test/vm/deps.sh)\n');
  return ready ? 0 : 1;
}

async function main() {
  let opts;
  try {
    opts = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`run.mjs: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (opts.check) return printCheck();
  if (opts.command.length === 0) {
    process.stderr.write(`run.mjs: no command given\n\n${USAGE}`);
    return 2;
  }

  const abort = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    // First signal: stop qemu and clean up. A second one: leave now; the exit hook in vm.mjs
    // still kills qemu.
    if (++interrupts > 1) process.exit(130);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runInVm({
      command: opts.command,
      cwd: process.cwd(),
      env: opts.env,
      timeoutMs: opts.timeoutMs,
      memoryMb: opts.memoryMb,
      cpus: opts.cpus,
      log: opts.quiet ? () => {} : stderrLog,
      onStdout: (c) => process.stdout.write(c),
      onStderr: (c) => process.stderr.write(c),
      signal: abort.signal,
    });
    return result.exitCode;
  } catch (e) {
    if (abort.signal.aborted) {
      process.stderr.write('[vm] interrupted; qemu stopped\n');
      return 130;
    }
    process.stderr.write(`[vm] ${e instanceof VmError ? `${e.code}: ` : ''}${e instanceof Error ? e.message : String(e)}\n`);
    return LANE_FAILED;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

process.exitCode = await main();
