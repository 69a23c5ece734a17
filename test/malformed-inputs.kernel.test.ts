/**
 * The worst of the malformed-input corpus (packages/core/test/malformed-inputs.test.ts
 * reads all 180 cases in-process) through the real plugin: `--check` and a
 * short run on each, bounded in time and memory, the file named on stderr,
 * and a stdout the strict protocol parser accepts whole.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNetdataStream } from '@ebpf-collectors/test-utils';
import { describe, expect, it } from 'vitest';
import { PLUGIN } from './plugin-harness.js';

interface Case {
  name: string;
  file: string;
  make: (path: string) => void;
  /** Default: process. */
  collectors?: string;
  /** What stderr must say besides the file's path (`PATH` stands for it). */
  says?: string[];
}

const TABLES = '[global]\n    ipv4 connection table size = 4294967295\n    ipv6 connection table size = 4294967296\n    bandwidth table size = 1048577\n';

const CASES: ReadonlyArray<Case> = [
  { name: 'ebpf.d.conf is a FIFO', file: 'ebpf.d.conf', make: (p) => execFileSync('mkfifo', [p]) },
  { name: 'apps_groups.conf is /dev/zero', file: 'apps_groups.conf', make: (p) => symlinkSync('/dev/zero', p) },
  { name: 'the module file is 5 MiB of unknown keys', file: 'ebpf.d/process.conf', make: (p) => writeFileSync(p, `[global]\n${'    no such key = 1\n'.repeat(5 * 1024 * 1024 / 20)}`) },
  { name: 'apps_groups.conf is a symlink loop', file: 'apps_groups.conf', make: (p) => symlinkSync(p, p) },
  {
    name: 'network.conf has table sizes of 2^32-1, 2^32 and one past the maximum, and an unknown section',
    file: 'ebpf.d/network.conf',
    make: (p) => writeFileSync(p, `${TABLES}[nonsense]\n    x = 1\n`),
    collectors: 'socket,process',
    says: [
      'PATH:2: [global] "ipv4 connection table size" = "4294967295" is not valid; accepted: a whole number from 1 to 1048576',
      'PATH:3: [global] "ipv6 connection table size" = "4294967296" is not valid; accepted: a whole number from 1 to 1048576',
      'PATH:4: [global] "bandwidth table size" = "1048577" is not valid; accepted: a whole number from 1 to 1048576',
      'PATH:5: [nonsense] is not a section of network.conf (socket); ignored',
    ],
  },
  {
    name: 'a module file has an unknown section',
    file: 'ebpf.d/process.conf',
    make: (p) => writeFileSync(p, '[global]\n    apps = yes\n[nonsense]\n    apps = no\n'),
    says: ['PATH:3: [nonsense] is not a section of process.conf (process); ignored'],
  },
];

/** Runs the plugin; peak RSS is its VmHWM, sampled every 50 ms until it exits. */
async function run(args: string[]): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string; ms: number; peakMiB: number }> {
  const started = Date.now();
  const child = spawn(PLUGIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let peakKiB = 0;
  const sample = setInterval(() => {
    try {
      const hwm = /^VmHWM:\s*(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
    } catch {
      // exited
    }
  }, 50);
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [status, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  clearInterval(sample);
  clearTimeout(killer);
  return { status, signal, stdout, stderr, ms: Date.now() - started, peakMiB: peakKiB / 1024 };
}

describe('malformed inputs through the plugin', () => {
  it.each(CASES)('$name: --check and a 2 s run end within 10 s and 300 MiB, name the file, and keep the protocol clean', async ({ file, make, collectors, says }) => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpfc-bad-'));
    mkdirSync(join(dir, 'ebpf.d'));
    // network connections on: the connection tables are then sized by network.conf.
    if (file !== 'ebpf.d.conf') {
      writeFileSync(join(dir, 'ebpf.d.conf'), '[global]\n    update every = 1\n    apps = yes\n    cgroups = no\n[ebpf programs]\n    network connections = yes\n');
    }
    const path = join(dir, file);
    make(path);
    // --update-every 1: with ebpf.d.conf refused, the stock file's 5 s would leave a 2 s run without data.
    const base = ['--config-dir', dir, '--collectors', collectors ?? 'process', '--update-every', '1'];

    const check = await run(['--check', ...base]);
    expect(check.signal).toBeNull();
    expect([0, 1]).toContain(check.status);
    expect(check.ms, 'ms').toBeLessThan(10_000);
    expect(check.peakMiB, 'peak RSS, MiB').toBeLessThan(300);
    expect(check.stderr).toContain(path);
    for (const line of says ?? []) expect(check.stderr).toContain(line.replace('PATH', path));

    const short = await run(['1', ...base, '--duration', '2']);
    expect({ status: short.status, signal: short.signal }, short.stderr.slice(-1500)).toEqual({ status: 0, signal: null });
    expect(short.ms, 'ms').toBeLessThan(10_000);
    expect(short.peakMiB, 'peak RSS, MiB').toBeLessThan(300);
    expect(short.stderr.length, 'stderr bytes').toBeLessThan(64 * 1024);
    const parsed = parseNetdataStream(short.stdout);
    expect(parsed.errors, JSON.stringify(parsed.errors.slice(0, 3))).toEqual([]);
    expect(parsed.blocks).toBeGreaterThan(0);
    // The rest keeps running: every collector asked for has charts.
    const modules = new Set([...parsed.charts.values()].map((c) => c.module));
    for (const collector of (collectors ?? 'process').split(',')) expect([...modules], short.stderr.slice(-1500)).toContain(collector);
  });
});
