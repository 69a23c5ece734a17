/**
 * Chart definitions, chart math, plans and the header mirror, without a kernel.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KernelFunctionMissingError, SYSCALL_EXIT_HOOK_ENV, TracepointMissingError, chartKey } from '@ebpf-collectors/core';
import { createLoader } from '@ebpf-collectors/loader-native';
import { MountChartBuilder, countsErrors, decodeCounters, mountExpectations, planPrograms } from '../src/index.js';
import { COUNTER, COUNTER_LANES, MAP } from '../src/internal-types.js';

const header = readFileSync(fileURLToPath(new URL('../../../bpf/mount.h', import.meta.url)), 'utf8');
const OBJECT = fileURLToPath(new URL('../bpf/mount.bpf.o', import.meta.url));

describe('mount charts (Netdata 1.37.1 mount thread)', () => {
  it('declares mount_points.call and mount_points.error with Netdata ids, titles, family and priorities', () => {
    const charts = new MountChartBuilder({ updateEvery: 5 }).charts([]);
    expect(charts.map((c) => [chartKey(c), c.title, c.priority, c.dimensions.map((d) => d.id)])).toEqual([
      ['mount_points.call', 'Calls to mount and umount syscalls', 2190, ['mount', 'umount']],
      ['mount_points.error', 'Errors to mount and umount file systems', 2191, ['mount', 'umount']],
    ]);
    for (const c of charts) {
      expect(c).toMatchObject({ family: 'mount (eBPF)', context: '', units: 'calls/s', chartType: 'line', updateEvery: 5, module: 'mount' });
      for (const d of c.dimensions) expect(d).toEqual({ id: d.id, algorithm: 'incremental' });
    }
  });

  it('sends the cumulative lanes: calls on .call, errors on .error', () => {
    const frame = new MountChartBuilder({ updateEvery: 1 }).frame({ counters: [7n, 5n, 2n, 1n] });
    expect(frame.charts.map((c) => [chartKey(c.chart), Object.fromEntries(c.values)])).toEqual([
      ['mount_points.call', { mount: 7n, umount: 5n }],
      ['mount_points.error', { mount: 2n, umount: 1n }],
    ]);
    expect(decodeCounters([7n, 5n, 2n, 1n])).toEqual({ mountCalls: 7n, umountCalls: 5n, mountErrors: 2n, umountErrors: 1n });
  });

  it('mount.h: calls first, then errors, each error lane its call lane + 2 (the BPF side relies on it)', () => {
    const value = (name: string) => Number(new RegExp(`\\b${name}\\s*=\\s*(\\d+)`).exec(header)?.[1]);
    expect(COUNTER.mountCalls).toBe(value('EBPFC_MOUNT_MOUNT_CALLS'));
    expect(COUNTER.umountErrors).toBe(value('EBPFC_MOUNT_UMOUNT_ERRORS'));
    expect(COUNTER.mountErrors).toBe(COUNTER.mountCalls + 2);
    expect(COUNTER.umountErrors).toBe(COUNTER.umountCalls + 2);
    expect(COUNTER_LANES).toBe(4);
  });

  it.skipIf(!existsSync(OBJECT))('the object has five programs per syscall, the generic exit twins and the counter map', () => {
    const spec = createLoader().openObject(OBJECT);
    try {
      expect(spec.programs.size).toBe(17);
      expect(spec.programs.has('tracepoint_syscall_exit_tp_btf')).toBe(true);
      expect(spec.programs.has('tracepoint_syscall_exit_raw_tp')).toBe(true);
      expect([...spec.maps.keys()]).toContain(MAP.totals);
    } finally {
      spec.close();
    }
  });

  it('entry load mode hooks the entries, return load mode the returns; move_mount only where the kernel has it', () => {
    const all = { hasKernelFunction: (fn: string) => fn.startsWith('__x64_sys_') };
    expect(planPrograms('trampoline', false, all).hooked).toEqual(['__x64_sys_mount', '__x64_sys_umount', '__x64_sys_move_mount']);
    expect([...planPrograms('trampoline', true, all).targets!.keys()]).toEqual([
      'trampoline_mnt_mount_ret',
      'trampoline_mnt_umount_ret',
      'trampoline_mnt_move_mount_ret',
    ]);
    const old = { hasKernelFunction: (fn: string) => fn === '__x64_sys_mount' || fn === '__x64_sys_umount' };
    expect([...planPrograms('probe', true, old).programs.keys()]).toEqual(['probe_mnt_mount_ret', 'probe_mnt_umount_ret']);
    const arm64 = { hasKernelFunction: (fn: string) => fn.startsWith('__arm64_sys_') };
    expect(planPrograms('probe', false, arm64).hooked).toEqual(['__arm64_sys_mount', '__arm64_sys_umount', '__arm64_sys_move_mount']);
    expect(() => planPrograms('probe', false, { hasKernelFunction: () => false })).toThrow(KernelFunctionMissingError);
  });

  it('tracepoint mode hooks the sys_exit events in both load modes; move_mount optional, mount and umount required', () => {
    const none = { hasKernelFunction: () => false };
    const plan = planPrograms('tracepoint', false, none, (_c, event) => event !== 'sys_exit_move_mount');
    expect(plan.hooked).toEqual(['syscalls/sys_exit_mount', 'syscalls/sys_exit_umount']);
    expect([...planPrograms('tracepoint', true, none, () => true).programs.keys()]).toEqual([
      'tracepoint_mnt_mount',
      'tracepoint_mnt_umount',
      'tracepoint_mnt_move_mount',
    ]);
    expect(() => planPrograms('tracepoint', true, none, (_c, event) => event !== 'sys_exit_umount')).toThrow(TracepointMissingError);
  });

  it('tracepoint mode takes the generic sys_exit program when asked (as when another collector has one there)', () => {
    const features = { hasKernelFunction: () => false, tpBtf: () => true, rawTracepoint: () => true };
    // Nothing shared in this process and no override: the per-syscall tracepoints come first.
    expect(planPrograms('tracepoint', true, features, () => true).hooked).toEqual([
      'syscalls/sys_exit_mount',
      'syscalls/sys_exit_umount',
      'syscalls/sys_exit_move_mount',
    ]);
    process.env[SYSCALL_EXIT_HOOK_ENV] = 'raw_tp';
    try {
      const plan = planPrograms('tracepoint', true, features, () => true);
      expect([...plan.programs.keys()]).toEqual(['tracepoint_syscall_exit_raw_tp']);
      expect(plan.hooked).toEqual(['sys_exit (raw_tp)']);
    } finally {
      delete process.env[SYSCALL_EXIT_HOOK_ENV];
    }
  });

  it('expects errors only where they are counted', () => {
    expect(countsErrors('trampoline', false)).toBe(false);
    expect(countsErrors('probe', true)).toBe(true);
    expect(countsErrors('tracepoint', false)).toBe(true);
    const report = { mounts: 4, failedMounts: 3, failedUmounts: 2, newApiMounts: 1 };
    expect(mountExpectations(report, false).map((e) => [`${e.chart}.${e.dimension}`, e.atLeast])).toEqual([
      ['mount_points.call.mount', 8n],
      ['mount_points.call.umount', 7n],
    ]);
    expect(mountExpectations(report, true).slice(2).map((e) => [`${e.chart}.${e.dimension}`, e.atLeast])).toEqual([
      ['mount_points.error.mount', 3n],
      ['mount_points.error.umount', 2n],
    ]);
  });
});
