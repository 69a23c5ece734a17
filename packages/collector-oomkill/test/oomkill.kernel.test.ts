/**
 * The oomkill collector on the running kernel: real loader, real PID table,
 * a real OOM kill of a hog alone in its own memory cgroup (cgroup v1 memory
 * on this host, v2 where the memory controller lives there). Needs root.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AttachMode, CollectorFrame, CollectorInstance } from '@ebpf-collectors/core';
import { PidTable, TRACEPOINT_KIND_ENV, chartKey, parseAppsGroups, runSelfTest } from '@ebpf-collectors/core';
import { createLoader, type Loader } from '@ebpf-collectors/loader-native';
import {
  chartValue,
  collectorConfig,
  kernelTestSkipReason,
  memoryLogger,
  programsLeft as leftOf,
  testContext,
} from '@ebpf-collectors/test-utils';
import {
  HOG_COMM,
  createOomkillCollector,
  oomkillSelfTest,
  removeHogCgroup,
  runOomHog,
  type HogResult,
  type OomkillReading,
} from '../src/index.js';

const OBJECT = fileURLToPath(new URL('../bpf/oomkill.bpf.o', import.meta.url));
const skip = kernelTestSkipReason({ tracefs: true, tools: ['bpftool'], files: [OBJECT] });
const GROUP = 'ebpfoomtest';
const isOurs = (name: string): boolean => name.startsWith('tracepoint_oom_');
const programsLeft = (): Promise<string[]> => leftOf(isOurs);

function appsGroups() {
  const parsed = parseAppsGroups([`${GROUP}: ${HOG_COMM}`, 'shells: sh dash bash', 'node: node vitest*', ''].join('\n'), 'test apps_groups.conf');
  expect(parsed.errors).toEqual([]);
  return parsed.groups;
}

describe.skipIf(skip !== undefined)(`oomkill collector on ${release()}${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 60_000 }, () => {
  let loader: Loader;
  let scratch: string;
  const running: CollectorInstance[] = [];
  const hogs: HogResult[] = [];

  beforeAll(async () => {
    loader = createLoader();
    scratch = mkdtempSync(join(tmpdir(), 'ebpfc-oomkill-test-'));
    expect(await programsLeft(), 'programs of an earlier run are still loaded').toEqual([]);
  });

  afterEach(async () => {
    for (const hog of hogs.splice(0)) removeHogCgroup(hog);
    for (const instance of running.splice(0)) instance.close();
    expect(await programsLeft()).toEqual([]);
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  async function start(mode: AttachMode) {
    const table = new PidTable({ apps: appsGroups(), cgroups: true, netdataCgroupShm: false });
    table.scan();
    const readings: OomkillReading[] = [];
    const logger = memoryLogger();
    const config = collectorConfig('oomkill', { typeFormat: 'co-re', coreTracing: mode, apps: true, cgroups: true });
    const collector = createOomkillCollector({ objectPath: OBJECT, onRead: (r) => void readings.push(r) });
    const instance = await collector.start(testContext({ config, loader, grouping: table, logger }));
    running.push(instance);
    return { instance, table, readings, logger };
  }

  it('counts the OOM kill of a hog in its app group and its cgroup, in the same interval, and obsoletes the cgroup once it is gone', async () => {
    const { instance, table, readings, logger } = await start('tracepoint');
    expect(instance.attachMode).toBe('tracepoint');
    // What this kernel picks; the self-test below runs the fallbacks.
    expect(logger.lines.join('\n')).toContain('program tracepoint_oom_mark_victim_tp_btf on oom/mark_victim (tp_btf)');
    await instance.collect(); // baseline
    const hog = await runOomHog(scratch);
    hogs.push(hog);
    expect(hog.machineKills).toBe(1);
    table.scan();
    const frame: CollectorFrame = await instance.collect();

    const victims = readings.at(-1)!.victims;
    expect(victims).toHaveLength(1);
    expect(victims[0]).toMatchObject({ pid: hog.pid, kills: 1n, comm: HOG_COMM, ppid: process.pid, self: true });

    expect(chartValue(frame, 'apps.oomkills', GROUP)).toBe(1n);
    expect(chartValue(frame, 'apps.oomkills', 'other') ?? 0n).toBe(0n);
    expect(hog.cgroupName, 'the hog cgroup has a chart name').toBeDefined();
    const cgroupChart = `cgroup_${hog.cgroupName}.oomkills`;
    expect(chartValue(frame, cgroupChart, 'oomkill')).toBe(1n);
    const definition = frame.charts.find((c) => chartKey(c.chart) === cgroupChart)!.chart;
    expect(definition).toMatchObject({ context: 'cgroup.oomkills', family: 'mem', units: 'kills', priority: 45600, chartType: 'line' });
    const apps = frame.charts.find((c) => chartKey(c.chart) === 'apps.oomkills')!.chart;
    expect(apps).toMatchObject({ title: 'OOM kills', family: 'mem', context: '', priority: 20020, chartType: 'stacked', module: 'oomkill' });
    expect(apps.dimensions.every((d) => d.algorithm === 'absolute')).toBe(true);

    // Next interval: nothing new; the cgroup stays charted while its directory exists.
    const quiet = await instance.collect();
    expect(chartValue(quiet, 'apps.oomkills', GROUP)).toBe(0n);
    expect(chartValue(quiet, cgroupChart, 'oomkill')).toBe(0n);
    removeHogCgroup(hogs.pop()!);
    table.scan();
    const gone = await instance.collect();
    expect(gone.obsolete ?? []).toContain(cgroupChart);
  });

  for (const mode of ['trampoline', 'probe'] as const) {
    it(`runs in ${mode} mode on the same tracepoint`, async () => {
      const { instance } = await start(mode);
      expect(instance.attachMode).toBe(mode);
      expect(instance.report.attempts.filter((a) => a.ok).map((a) => a.mode)).toEqual([mode]);
    });
  }

  it.each(['raw_tp', 'tracepoint'] as const)('passes its self-test (what ebpf.plugin --self-test and the VM lane run) with the event on %s', async (kind) => {
    process.env[TRACEPOINT_KIND_ENV] = kind;
    const { instance, table, logger } = await start('tracepoint').finally(() => {
      delete process.env[TRACEPOINT_KIND_ENV];
    });
    expect(logger.lines.join('\n')).toContain(`program tracepoint_oom_mark_victim${kind === 'raw_tp' ? '_raw_tp' : ''} on oom/mark_victim (${kind})`);
    const config = collectorConfig('oomkill', { typeFormat: 'co-re', coreTracing: 'tracepoint', apps: true, cgroups: true });
    const result = await runSelfTest({ name: 'oomkill', selfTest: oomkillSelfTest, instance, config, grouping: table, logger: memoryLogger() });
    expect(result.error).toBeUndefined();
    expect(result.skipped).toBeUndefined();
    expect(result.checks.map((c) => c.chart).sort()).toEqual(expect.arrayContaining(['apps.oomkills']));
    expect(result.checks.some((c) => c.chart.startsWith('cgroup_'))).toBe(true);
    expect(result.ok, JSON.stringify(result.checks, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(true);
  });
});
