/**
 * The disk collector on the running kernel: real loader, a real loop device
 * over a file in /tmp, direct I/O on it, and the device detached while the
 * collector runs. Needs root and losetup.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AttachMode, CollectorFrame, CollectorInstance } from '@ebpf-collectors/core';
import { PidTable, TRACEPOINT_KIND_ENV, chartKey, runSelfTest } from '@ebpf-collectors/core';
import { createLoader, type Loader } from '@ebpf-collectors/loader-native';
import { collectorConfig, kernelTestSkipReason, memoryLogger, programsLeft as leftOf, testContext } from '@ebpf-collectors/test-utils';
import {
  attachLoop,
  createDiskCollector,
  detachLoop,
  diskSelfTest,
  directIo,
  histogramDimensionNames,
  type DiskReading,
  type LoopDevice,
} from '../src/index.js';

const OBJECT = fileURLToPath(new URL('../bpf/disk.bpf.o', import.meta.url));
const skip = kernelTestSkipReason({ tracefs: true, tools: ['bpftool', 'losetup', 'dd'], files: [OBJECT] });
const isOurs = (name: string): boolean => name.startsWith('tracepoint_bloc');
const programsLeft = (): Promise<string[]> => leftOf(isOurs);
const WRITES = 48;
const READS = 32;

/** Sum of a disk chart's 24 bins in a frame, undefined without the chart. */
function binSum(frame: CollectorFrame, key: string): bigint | undefined {
  const chart = frame.charts.find((c) => chartKey(c.chart) === key);
  return chart ? [...chart.values.values()].reduce((a, b) => a + b, 0n) : undefined;
}

describe.skipIf(skip !== undefined)(`disk collector on ${release()}${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 60_000 }, () => {
  let loader: Loader;
  let scratch: string;
  const running: CollectorInstance[] = [];
  const loops: LoopDevice[] = [];

  beforeAll(async () => {
    loader = createLoader();
    scratch = mkdtempSync(join(tmpdir(), 'ebpfc-disk-test-'));
    expect(await programsLeft(), 'programs of an earlier run are still loaded').toEqual([]);
  });

  afterEach(async () => {
    for (const loop of loops.splice(0)) detachLoop(loop);
    for (const instance of running.splice(0)) instance.close();
    expect(await programsLeft()).toEqual([]);
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  async function start(mode: AttachMode) {
    const readings: DiskReading[] = [];
    const config = collectorConfig('disk', { typeFormat: 'co-re', coreTracing: mode, apps: false, collectPid: 'not set' });
    const collector = createDiskCollector({ objectPath: OBJECT, onRead: (r) => void readings.push(r) });
    const logger = memoryLogger();
    const instance = await collector.start(testContext({ config, loader, logger }));
    running.push(instance);
    return { instance, readings, config, logger };
  }

  it('counts every direct request on a loop device in its disk_latency_io chart, and obsoletes it once detached', async () => {
    const { instance, readings } = await start('tracepoint');
    expect(instance.attachMode).toBe('tracepoint');
    const loop = attachLoop(scratch);
    loops.push(loop);
    const key = `disk_latency_io.${loop.name}`;
    const before = await instance.collect();
    const base = binSum(before, key) ?? 0n;
    directIo(loop, WRITES, READS);
    const after = await instance.collect();
    const counted = (binSum(after, key) ?? 0n) - base;
    expect(counted).toBeGreaterThanOrEqual(BigInt(WRITES + READS));
    // Nothing but our dd touches a fresh loop device: not many more requests than we made.
    expect(counted).toBeLessThan(BigInt(WRITES + READS) * 2n + 16n);

    const chart = after.charts.find((c) => chartKey(c.chart) === key)!.chart;
    expect(chart).toMatchObject({ type: 'disk_latency_io', id: loop.name, family: loop.name, context: 'disk.latency_io', title: 'Disk latency' });
    expect(chart).toMatchObject({ units: 'calls/s', chartType: 'stacked', priority: 2095, module: 'disk' });
    expect(chart.dimensions.map((d) => d.id)).toEqual(histogramDimensionNames());
    expect(readings.at(-1)!.names.get(loop.dev)).toBe(loop.name);

    detachLoop(loops.pop()!);
    const detached = await instance.collect();
    expect(detached.obsolete ?? []).toEqual([key]);
    expect(detached.charts.some((c) => chartKey(c.chart) === key)).toBe(false);
    expect(instance.charts().some((c) => chartKey(c) === key)).toBe(false);
    // Its counts were dropped from the kernel table.
    const later = await instance.collect();
    expect(readings.at(-1)!.disks.has(loop.dev)).toBe(false);
    expect(later.obsolete).toBeUndefined();
  });

  for (const mode of ['trampoline', 'probe'] as const) {
    it(`runs in ${mode} mode on the same tracepoints`, async () => {
      const { instance } = await start(mode);
      expect(instance.attachMode).toBe(mode);
      const loop = attachLoop(scratch);
      loops.push(loop);
      await instance.collect();
      directIo(loop, 8, 8);
      expect(binSum(await instance.collect(), `disk_latency_io.${loop.name}`) ?? 0n).toBeGreaterThanOrEqual(16n);
    });
  }

  // tp_btf reads the request with plain loads, raw_tp with probe reads: both twins must count the same.
  for (const kind of ['tp_btf', 'raw_tp'] as const) {
    it(`counts with its ${kind} programs (${TRACEPOINT_KIND_ENV}=${kind})`, async () => {
      const saved = process.env[TRACEPOINT_KIND_ENV];
      process.env[TRACEPOINT_KIND_ENV] = kind;
      try {
        const { instance, logger } = await start('tracepoint');
        expect(logger.lines.join('\n')).toContain(`(${kind})`);
        const loop = attachLoop(scratch);
        loops.push(loop);
        await instance.collect();
        directIo(loop, 8, 8);
        // As the mode tests above: the device's whole count since it was attached (the partition scan included).
        expect(binSum(await instance.collect(), `disk_latency_io.${loop.name}`) ?? 0n).toBeGreaterThanOrEqual(16n);
      } finally {
        if (saved === undefined) delete process.env[TRACEPOINT_KIND_ENV];
        else process.env[TRACEPOINT_KIND_ENV] = saved;
      }
    });
  }

  it('passes its self-test (what ebpf.plugin --self-test and the VM lane run)', async () => {
    const { instance, config } = await start('tracepoint');
    const result = await runSelfTest({ name: 'disk', selfTest: diskSelfTest, instance, config, grouping: new PidTable(), logger: memoryLogger() });
    expect(result.error).toBeUndefined();
    expect(result.skipped).toBeUndefined();
    expect(result.ok, JSON.stringify(result.checks, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(true);
  });
});
