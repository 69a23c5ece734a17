/**
 * Chart definitions and math, `[syscalls]`, plans and the header mirror,
 * without a kernel.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KernelFunctionMissingError, chartKey, type CollectorConfig, type ConfigSection, type GroupTotals } from '@ebpf-collectors/core';
import { createLoader } from '@ebpf-collectors/loader-native';
import { ShmChartBuilder, decodeCounters, enabledSyscalls, planPrograms, shmExpectations } from '../src/index.js';
import { COUNTER, MAP, PID_LANE, PID_LANES, SYSCALLS } from '../src/internal-types.js';

const header = readFileSync(fileURLToPath(new URL('../../../bpf/shm.h', import.meta.url)), 'utf8');
const OBJECT = fileURLToPath(new URL('../bpf/shm.bpf.o', import.meta.url));

function sections(values: Record<string, string>): Pick<CollectorConfig, 'sections'> {
  const entries = new Map(Object.entries(values).map(([key, value], i) => [key, { key, value, file: 'shm.conf', line: 30 + i }]));
  const section: ConfigSection = { name: 'syscalls', file: 'shm.conf', line: 29, entries };
  return { sections: new Map([['syscalls', section]]) };
}

const ALL = { syscalls: SYSCALLS, updateEvery: 1, returnMode: false };

describe('shm charts (Netdata 1.37.1 shm thread)', () => {
  it('declares system.shared_memory_calls with Netdata title, family, priority and dimensions', () => {
    const [host, ...rest] = new ShmChartBuilder({ ...ALL, apps: false, cgroups: false }).charts([]);
    expect(rest).toEqual([]);
    expect(host).toMatchObject({
      type: 'system',
      id: 'shared_memory_calls',
      title: 'Calls to shared memory system calls',
      units: 'calls/s',
      family: 'ipc shared memory',
      context: '',
      chartType: 'line',
      priority: 1207,
      module: 'shm',
    });
    expect(host!.dimensions).toEqual(['get', 'at', 'dt', 'ctl'].map((id) => ({ id, algorithm: 'incremental' })));
  });

  it('apps charts: one stacked chart per syscall, a dimension per exposed group, Netdata priorities 20191-20194', () => {
    const charts = new ShmChartBuilder({ ...ALL, apps: true, cgroups: false }).charts(['db', 'other']);
    expect(charts.slice(1).map((c) => [chartKey(c), c.priority, c.title, c.family, c.chartType, c.dimensions.map((d) => d.id)])).toEqual([
      ['apps.shmget_call', 20191, 'Calls to syscall <code>shmget(2)</code>.', 'ipc shm (eBPF)', 'stacked', ['db', 'other']],
      ['apps.shmat_call', 20192, 'Calls to syscall <code>shmat(2)</code>.', 'ipc shm (eBPF)', 'stacked', ['db', 'other']],
      ['apps.shmdt_call', 20193, 'Calls to syscall <code>shmdt(2)</code>.', 'ipc shm (eBPF)', 'stacked', ['db', 'other']],
      ['apps.shmctl_call', 20194, 'Calls to syscall <code>shmctl(2)</code>.', 'ipc shm (eBPF)', 'stacked', ['db', 'other']],
    ]);
  });

  it('frames: host lanes, per-group totals on apps, cgroup (contexts cgroup.shm*, 45800+) and services (20191-20193, shmctl on 20193)', () => {
    const builder = new ShmChartBuilder({ ...ALL, apps: true, cgroups: true });
    const totals: GroupTotals = new Map([
      ['db', [1n, 2n, 3n, 4n]],
      ['web', [10n, 20n, 30n, 40n]],
    ]);
    const frame = builder.frame({
      counters: [100n, 200n, 300n, 400n],
      apps: { names: ['db', 'web'], totals },
      cgroups: { names: ['web'], totals },
      services: { names: ['db'], totals },
    });
    const byKey = new Map(frame.charts.map((c) => [chartKey(c.chart), c]));
    expect(Object.fromEntries(byKey.get('system.shared_memory_calls')!.values)).toEqual({ get: 100n, at: 200n, dt: 300n, ctl: 400n });
    expect(Object.fromEntries(byKey.get('apps.shmat_call')!.values)).toEqual({ db: 2n, web: 20n });
    const cgroup = byKey.get('cgroup_web.shmctl_call')!;
    expect(cgroup.chart).toMatchObject({ context: 'cgroup.shmctl', chartType: 'line', priority: 45803, family: 'ipc shm (eBPF)' });
    expect(Object.fromEntries(cgroup.values)).toEqual({ ctl: 40n });
    expect(byKey.get('cgroup_web.shmget_call')!.chart.priority).toBe(45800);
    const services = ['shmget', 'shmat', 'shmdt', 'shmctl'].map((s) => byKey.get(`services.${s}_call`)!.chart);
    expect(services.map((c) => [c.context, c.priority, c.chartType])).toEqual([
      ['services.shmget', 20191, 'stacked'],
      ['services.shmat', 20192, 'stacked'],
      ['services.shmdt', 20193, 'stacked'],
      ['services.shmctl', 20193, 'stacked'],
    ]);
    expect(Object.fromEntries(byKey.get('services.shmdt_call')!.values)).toEqual({ db: 3n });
    expect(decodeCounters([1n, 2n, 3n, 4n])).toEqual({ shmget: 1n, shmat: 2n, shmdt: 3n, shmctl: 4n });
  });

  it('a syscall turned off in [syscalls] has no dimension and no per-group chart', () => {
    const syscalls = enabledSyscalls(sections({ shmat: 'no', shmdt: 'off' }));
    expect(syscalls).toEqual(['shmget', 'shmctl']);
    const charts = new ShmChartBuilder({ syscalls, updateEvery: 1, returnMode: false, apps: true, cgroups: false }).charts(['db']);
    expect(charts.map((c) => [chartKey(c), c.dimensions.map((d) => d.id)])).toEqual([
      ['system.shared_memory_calls', ['get', 'ctl']],
      ['apps.shmget_call', ['db']],
      ['apps.shmctl_call', ['db']],
    ]);
    expect(shmExpectations(3, syscalls, ['db']).map((e) => `${e.chart}.${e.dimension}>=${e.atLeast}`)).toEqual([
      'system.shared_memory_calls.get>=3',
      'system.shared_memory_calls.ctl>=3',
      'apps.shmget_call.db>=3',
      'apps.shmctl_call.db>=3',
    ]);
  });
});

describe('shm.h mirror and plans', () => {
  const value = (name: string) => Number(new RegExp(`\\b${name}\\s*=\\s*(\\d+)`).exec(header)?.[1]);

  it('lanes match the header', () => {
    for (const s of SYSCALLS) {
      const call = s.slice(3).toUpperCase();
      expect(COUNTER[s], s).toBe(value(`EBPFC_SHM_${call}`));
      expect(PID_LANE[s], s).toBe(value(`EBPFC_SHM_PID_${call}`));
    }
    expect(PID_LANES).toBe(value('EBPFC_SHM_PID_LANES'));
  });

  it.skipIf(!existsSync(OBJECT))('the object has three programs per syscall and both tables', () => {
    const spec = createLoader().openObject(OBJECT);
    try {
      expect(spec.programs.size).toBe(12);
      expect([...spec.maps.keys()]).toEqual(expect.arrayContaining([MAP.totals, MAP.pids]));
    } finally {
      spec.close();
    }
  });

  it('trampoline/probe hook the syscall function BTF has; tracepoint the sys_enter events of enabled syscalls', () => {
    const arm64 = { hasKernelFunction: (fn: string) => fn.startsWith('__arm64_sys_') };
    expect(planPrograms('trampoline', ['shmget', 'shmdt'], arm64).hooked).toEqual(['__arm64_sys_shmget', '__arm64_sys_shmdt']);
    expect(() => planPrograms('probe', ['shmat'], { hasKernelFunction: () => false })).toThrow(KernelFunctionMissingError);
    const plan = planPrograms('tracepoint', ['shmat', 'shmctl'], arm64, () => true);
    expect(plan.hooked).toEqual(['syscalls/sys_enter_shmat', 'syscalls/sys_enter_shmctl']);
    expect([...plan.programs.keys()]).toEqual(['tracepoint_shm_at', 'tracepoint_shm_ctl']);
  });
});
