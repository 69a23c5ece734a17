/**
 * Feature probes answer from real loads and attaches on this host, and the
 * environment cleanup hook closes what JS forgot.
 */
import { execFileSync } from 'node:child_process';
import { arch, release } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { beforeAll, describe, expect, it } from 'vitest';

import { BpfError, createLoader, ensureTracefs, probeFeatures, versionCodeOf } from '../src/index.js';
import { collectingLogger, eventually, isRoot, objectPath, packageDir, programExists } from './helpers.js';

describe.runIf(isRoot)('features on this host', () => {
  const logger = collectingLogger();
  const features = createLoader({ logger }).features;

  beforeAll(() => {
    expect(ensureTracefs().path).toBe('/sys/kernel/tracing');
  });

  it('btf, tracepoint, raw_tp, tp_btf and batch ops work', () => {
    expect(features.btf()).toBe(true);
    expect(features.tracepoint()).toBe(true);
    expect(features.rawTracepoint()).toBe(true);
    expect(features.tpBtf()).toBe(true);
    expect(features.batchOps()).toBe(true);
    for (const f of ['btf', 'tracepoint', 'rawTracepoint', 'tpBtf', 'batchOps']) expect(features.reason(f)).toBeUndefined();
  });

  it('fentry is refused with EPERM and says why', () => {
    expect(features.fentry()).toBe(false);
    expect(features.reason('fentry')).toMatch(/^fentry\/fexit: load failed with EPERM: trampolines are not usable on this kernel/);
    expect(features.reason('fexit')).toBe(features.reason('fentry'));
  });

  it('kprobes are absent and the reason names CONFIG_KPROBES', () => {
    expect(features.kprobe()).toBe(false);
    expect(features.reason('kprobe')).toBe(
      'kprobes are not available on this kernel (CONFIG_KPROBES off: no kprobe PMU and no kprobe_events)',
    );
  });

  it('map types: the ones collectors use exist; other is not probeable', () => {
    for (const kind of ['hash', 'array', 'percpu_hash', 'percpu_array', 'lru_hash', 'lru_percpu_hash', 'ringbuf', 'perf_event_array'] as const) {
      expect(features.mapType(kind), kind).toBe(true);
    }
    expect(() => features.mapType('other')).toThrow(BpfError);
  });

  it('kernel release and version code match uname', () => {
    const uname = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
    expect(features.kernelRelease()).toBe(uname);
    const [major, minor, patch] = uname.split(/[.-]/).map(Number);
    expect(features.kernelVersionCode()).toBe(major! * 65536 + minor! * 256 + Math.min(patch!, 255));
    expect(features.kernelVersionCode()).toBe(versionCodeOf(release()));
  });

  it('kernel functions are looked up in BTF', () => {
    expect(features.hasKernelFunction('vfs_read')).toBe(true);
    expect(features.hasKernelFunction('lnt_no_such_function')).toBe(false);
  });

  it.runIf(arch() === 'x64')('syscall prefix is __x64_sys_ and kallsyms has it', () => {
    expect(features.syscallPrefix()).toBe('__x64_sys_');
    expect(execFileSync('grep', ['-c', ' __x64_sys_getppid$', '/proc/kallsyms'], { encoding: 'utf8' }).trim()).toBe('1');
  });

  it('answers are cached per instance: a second tracepoint probe makes no kernel call', () => {
    const fresh = probeFeatures();
    const t0 = performance.now();
    expect(fresh.tracepoint()).toBe(true);
    const first = performance.now() - t0;
    const t1 = performance.now();
    expect(fresh.tracepoint()).toBe(true);
    const second = performance.now() - t1;
    expect(second).toBeLessThan(Math.max(1, first / 10));
    expect(fresh.reason('kprobe')).toBeUndefined(); // not probed yet on this instance
  });

  it('a missing BTF path answers false with the reason', () => {
    const f = probeFeatures({ btfPath: '/nonexistent/lnt-vmlinux' });
    expect(f.btf()).toBe(false);
    expect(f.reason('btf')).toContain('/nonexistent/lnt-vmlinux');
  });

  it('without tracefs, tracepoint is false with the reason; ensureTracefs() mounts it and the answer changes', () => {
    const out = execFileSync(
      'unshare',
      ['--mount', '--propagation', 'private', process.execPath, join(packageDir, 'test', 'fixtures', 'tracefs-private-ns.mjs'), objectPath('counters')],
      { encoding: 'utf8' },
    );
    const result = JSON.parse(out) as Record<string, unknown>;
    expect(result).toMatchObject({
      before: false,
      reason: 'tracefs not mounted at /sys/kernel/tracing',
      attach: { name: 'BpfError', message: expect.stringContaining('tracefs is not mounted at /sys/kernel/tracing') },
      ensure: { path: '/sys/kernel/tracing', action: 'mounted' },
      after: true,
      attachAfter: true,
      ensureAgain: { action: 'already-mounted' },
    });
  });

  it('what a worker forgot to close is detached and released when its environment ends', async () => {
    const worker = new Worker(join(packageDir, 'test', 'fixtures', 'forgetful-worker.mjs'), {
      workerData: { objectPath: objectPath('counters') },
    });
    const ids = await new Promise<number[]>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(ids).toHaveLength(3);
    expect(ids.every(programExists)).toBe(true);
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('exit');
    await exited;
    expect(await eventually(() => ids.every((id) => !programExists(id)), 10_000)).toBe(true);
  });
});
