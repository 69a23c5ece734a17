#!/usr/bin/env node
// Smoke check of the VM lane: proves the guest gives the project what the host kernel cannot,
// namely a 6.1 kernel with BTF, kprobes and fentry that really attach and count.
//
// On the host (default) it boots the VM and runs itself with --guest inside it; the guest half
// prints one SMOKE-RESULT line of JSON that the host half turns into a verdict and timings.
// Usage: node test/vm/smoke.mjs [--timeout S]      exit 0 pass, 1 a check failed, 2 the lane failed

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

/** Reads the workload issues; the counters must reach at least this many. */
const READS = 2000;
const BPFTRACE = '/usr/bin/bpftrace';
// A full path: with a merged /usr, bpftrace -c refuses a bare name that matches /bin and /usr/bin.
const WORKLOAD = `/usr/bin/dd if=/dev/zero of=/dev/null bs=1 count=${READS} status=none`;
const RESULT_MARK = 'SMOKE-RESULT ';

/** Each probe counts vfs_read/read calls of the workload process only (cpid is bpftrace -c's child). */
const PROBES = {
  kprobe: 'kprobe:vfs_read',
  fentry: 'kfunc:vfs_read', // bpftrace 0.17 spells fentry "kfunc"
  tracepoint: 'tracepoint:syscalls:sys_enter_read',
};

/**
 * @typedef {{ name: string, ok: boolean, detail: string, ms?: number }} Check
 */

// ---------------------------------------------------------------------------------------------
// Guest half

/**
 * Runs bpftrace with the given probes around the workload and returns the per-probe counts.
 * @param {Array<keyof typeof PROBES>} names
 */
function bpftraceCounts(names) {
  const program = names.map((n) => `${PROBES[n]} /pid == cpid/ { @${n} = count(); }`).join(' ');
  const started = Date.now();
  const r = spawnSync(BPFTRACE, ['-e', program, '-c', WORKLOAD], { encoding: 'utf8', timeout: 240_000 });
  const ms = Date.now() - started;
  /** @type {Record<string, number>} */
  const counts = {};
  for (const m of (r.stdout ?? '').matchAll(/^@(\w+): (\d+)$/gm)) counts[m[1]] = Number(m[2]);
  const error = r.error ? String(r.error) : r.status !== 0 ? `exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim()}` : '';
  return { counts, ms, error };
}

function guest() {
  /** @type {Check[]} */
  const checks = [];
  const rel = release();
  checks.push({ name: 'kernel is 6.1', ok: /^6\.1\./.test(rel), detail: `uname -r = ${rel}` });
  const btf = '/sys/kernel/btf/vmlinux';
  checks.push({ name: 'BTF', ok: existsSync(btf), detail: existsSync(btf) ? btf : `${btf} missing` });
  const kprobePaths = ['/sys/bus/event_source/devices/kprobe', '/sys/kernel/tracing/kprobe_events'].filter(existsSync);
  checks.push({ name: 'kprobes in kernel', ok: kprobePaths.length > 0, detail: kprobePaths.join(', ') || 'neither kprobe PMU nor kprobe_events' });

  if (!existsSync(BPFTRACE)) {
    checks.push({ name: 'bpftrace', ok: false, detail: `${BPFTRACE} missing (apt-get install -y bpftrace on the host)` });
  } else {
    const names = /** @type {Array<keyof typeof PROBES>} */ (Object.keys(PROBES));
    // One bpftrace run for all probes: its startup (LLVM) costs seconds under emulation.
    let run = bpftraceCounts(names);
    const together = run;
    for (const n of names) {
      // When the combined run failed, retry the probe alone so the report names the probe at fault.
      if (together.error) run = bpftraceCounts([n]);
      const count = run.counts[n];
      checks.push({
        name: `${n} (${PROBES[n]}) counts >= ${READS} reads`,
        ok: count !== undefined && count >= READS,
        detail: count !== undefined ? `counted ${count}` : `no count: ${run.error || 'bpftrace printed nothing'}`,
        ms: run.ms,
      });
    }
  }
  process.stdout.write(`${RESULT_MARK}${JSON.stringify({ checks })}\n`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// Host half

/** @param {number | undefined} ms */
const secs = (ms) => (ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`);

async function host() {
  const { values } = parseArgs({ options: { timeout: { type: 'string', default: '600' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    process.stdout.write('usage: node test/vm/smoke.mjs [--timeout S]\n' +
      'Boots the Debian 6.1 VM and checks kernel version, BTF, kprobes, and that bpftrace kprobe,\n' +
      'fentry (kfunc) and tracepoint probes each count a dd workload. Exit 0 pass, 1 fail, 2 lane error.\n');
    return 0;
  }
  const { checkHost, ensureKernel, buildInitramfs, runInVm, VmError } = await import('./vm.mjs');
  const log = (/** @type {string} */ m) => process.stderr.write(`[smoke] ${m}\n`);
  try {
    const bpftrace = (await checkHost()).find((c) => c.name.startsWith('bpftrace'));
    if (!bpftrace?.ok) throw new VmError('MISSING_DEPENDENCY', `the smoke check needs bpftrace on the host; fix: ${bpftrace?.fix}`);

    const kernel = await ensureKernel({ log });
    const config = readFileSync(kernel.config, 'utf8');
    const configFlags = ['CONFIG_KPROBES', 'CONFIG_FUNCTION_TRACER', 'CONFIG_DEBUG_INFO_BTF']
      .map((f) => `${f}=${config.match(new RegExp(`^${f}=(\\w+)`, 'm'))?.[1] ?? 'n'}`);
    const initramfs = await buildInitramfs({ kernel, log });

    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const result = await runInVm({
      command: ['node', fileURLToPath(import.meta.url), '--guest'],
      cwd: root,
      kernel,
      log,
      timeoutMs: Number(values.timeout) * 1000,
      onStderr: (c) => process.stderr.write(c),
    });
    const line = result.stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
    if (!line) {
      throw new VmError('BOOT_FAILED', `the guest check printed no result (exit ${result.exitCode}):\n${result.stdout}${result.stderr}`);
    }
    /** @type {{ checks: Check[] }} */
    const { checks } = JSON.parse(line.slice(RESULT_MARK.length));
    const out = [];
    out.push(`VM lane smoke check on ${result.kernelRelease} (${kernel.packageName} ${kernel.packageVersion}; ${configFlags.join(' ')})`);
    for (const c of checks) out.push(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
    const bpftraceMs = checks.find((c) => c.ms !== undefined)?.ms;
    out.push(`times: kernel ${kernel.downloadMs ? `download+unpack ${secs(kernel.downloadMs)}` : 'cached'}, initramfs ${initramfs.built ? secs(initramfs.buildMs) : 'cached'}, ` +
      `boot ${secs(result.bootMs)}, guest check ${secs(result.commandMs)} (bpftrace ${secs(bpftraceMs)}), total ${secs(result.durationMs)}`);
    const ok = result.exitCode === 0 && checks.every((c) => c.ok);
    out.push(ok ? 'smoke: PASS' : 'smoke: FAIL');
    process.stdout.write(`${out.join('\n')}\n`);
    return ok ? 0 : 1;
  } catch (e) {
    process.stderr.write(`smoke: lane error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

process.exitCode = process.argv.includes('--guest') ? guest() : await host();
