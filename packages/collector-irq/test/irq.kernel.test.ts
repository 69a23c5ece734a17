/**
 * The hardirq and softirq collectors on the running kernel: real loader,
 * real programs, workloads this test creates, and the kernel's own counters
 * (/proc/interrupts, /proc/softirqs) as ground truth. Needs root.
 *
 * EBPFC_RECORD_FIXTURES=1 also writes the recorded runs to test/fixtures/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorConfig, CollectorFrame, CollectorInstance } from '@ebpf-collectors/core';
import { AttachError, chartKey } from '@ebpf-collectors/core';
import { createLoader, type Loader } from '@ebpf-collectors/loader-native';
import { kernelTestSkipReason } from '@ebpf-collectors/test-utils';
import {
  createHardirqCollector,
  createSoftirqCollector,
  irqLineNames,
  irqMetrics,
  parseInterrupts,
  type HardirqReading,
  type InterruptsTable,
  type SoftirqReading,
} from '../src/index.js';
import { irqConfig, memoryLogger, testContext } from './context.js';
import { IrqRecorder, writeFixture } from './fixture.js';
import { diskSync, pingPong, tcpBurst } from './workloads.js';

const HARDIRQ_OBJECT = fileURLToPath(new URL('../bpf/hardirq.bpf.o', import.meta.url));
const SOFTIRQ_OBJECT = fileURLToPath(new URL('../bpf/softirq.bpf.o', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const RECORD = process.env.EBPFC_RECORD_FIXTURES === '1';
const skip = kernelTestSkipReason({ tracefs: true, tools: ['bpftool'], files: [HARDIRQ_OBJECT, SOFTIRQ_OBJECT] });

const HARDIRQ = 'system.hardirq_latency';
const SOFTIRQ = 'system.softirq_latency';
const TCP_BYTES = 32 * 1024 * 1024;
const FSYNCS = 40;
const PING_PONGS = 1000;

/** Our programs still loaded (the kernel keeps 15 characters of a name: `trampoline_hard`, `tracepoint_soft`...). */
function ourPrograms(): string[] {
  const result = spawnSync('bpftool', ['-j', 'prog', 'list'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bpftool prog list failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as Array<{ id: number; name?: string }>)
    .filter((p) => p.name !== undefined && /^(trampoline|tracepoint)_(hard|soft)/.test(p.name))
    .map((p) => `${p.id}:${p.name}`);
}

/** Closing a link frees its program after an RCU grace period: wait a little before calling it a leak. */
async function programsLeft(settleMs = 3000): Promise<string[]> {
  const deadline = Date.now() + settleMs;
  let left = ourPrograms();
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = ourPrograms();
  }
  return left;
}

function procInterrupts(): InterruptsTable {
  return parseInterrupts(readFileSync('/proc/interrupts', 'utf8'));
}

/** `/proc/softirqs`: vector name -> executions summed over CPUs. */
function procSoftirqs(): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of readFileSync('/proc/softirqs', 'utf8').split('\n').slice(1)) {
    const m = /^\s*(\w+):\s+(.*)$/.exec(row);
    if (m) out.set(m[1]!, m[2]!.trim().split(/\s+/).reduce((a, b) => a + Number(b), 0));
  }
  return out;
}

function lineTotals(table: InterruptsTable): Map<string, number> {
  return new Map(table.lines.map((l) => [l.id, l.total]));
}

function value(frame: CollectorFrame, chart: string, dimension: string): bigint {
  const v = frame.charts.find((c) => chartKey(c.chart) === chart)?.values.get(dimension);
  if (v === undefined) throw new Error(`${chart} has no value for ${dimension}`);
  return v;
}

function dimensionIds(frame: CollectorFrame, chart: string): string[] {
  return frame.charts.find((c) => chartKey(c.chart) === chart)?.chart.dimensions.map((d) => d.id) ?? [];
}

/**
 * The collector's count for an interval must agree with the kernel's own
 * counter read just outside it: never more (plus a few in flight), at
 * least 90% (the /proc reads bracket the map reads by a millisecond or so).
 */
function expectAgreement(what: string, collector: number, kernel: number): void {
  expect(collector, `${what}: collector ${collector} vs kernel ${kernel}`).toBeLessThanOrEqual(kernel + 5);
  expect(collector, `${what}: collector ${collector} vs kernel ${kernel}`).toBeGreaterThanOrEqual(Math.floor(kernel * 0.9) - 5);
}

describe.skipIf(skip !== undefined)(`irq collectors on ${release()}${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 30_000 }, () => {
  let loader: Loader;
  const running: CollectorInstance[] = [];

  beforeAll(async () => {
    loader = createLoader();
    expect(await programsLeft(), 'programs of an earlier run are still loaded').toEqual([]);
  });

  afterEach(async () => {
    for (const instance of running.splice(0)) instance.close();
    expect(await programsLeft()).toEqual([]);
  });

  async function start(which: 'hardirq' | 'softirq', overrides: Partial<CollectorConfig>, recorder?: IrqRecorder) {
    const logger = memoryLogger();
    const collector =
      which === 'hardirq'
        ? createHardirqCollector({ objectPath: HARDIRQ_OBJECT, ...(recorder ? { onRead: recorder.onHardirq } : {}) })
        : createSoftirqCollector({ objectPath: SOFTIRQ_OBJECT, ...(recorder ? { onRead: recorder.onSoftirq } : {}) });
    const instance = await collector.start(testContext({ config: irqConfig(which, overrides), loader, logger }));
    running.push(instance);
    return { instance, logger };
  }

  it.each(['hardirq', 'softirq'] as const)('%s: auto takes the tp_btf family (trampoline) here and records probe as not implemented', async (which) => {
    const { instance, logger } = await start(which, { typeFormat: 'auto', coreTracing: 'probe' });
    expect(instance.report.attempts, logger.lines.join('\n')).toEqual([
      { mode: 'probe', ok: false, code: 'NOT_IMPLEMENTED', reason: `${which} has no probe implementation` },
      { mode: 'trampoline', ok: true },
    ]);
    expect(instance.attachMode).toBe('trampoline');
    // tp_btf really works on this kernel; fentry (the other BTF trampoline) does not.
    expect(loader.features.tpBtf()).toBe(true);
    console.info(`${which} attach report: ${JSON.stringify(instance.report)}`);
  });

  it.each(['hardirq', 'softirq'] as const)('%s: a forced probe mode fails with an AttachError and loads nothing', async (which) => {
    const collector = which === 'hardirq' ? createHardirqCollector({ objectPath: HARDIRQ_OBJECT }) : createSoftirqCollector({ objectPath: SOFTIRQ_OBJECT });
    const failure = await collector.start(testContext({ config: irqConfig(which, { typeFormat: 'co-re', coreTracing: 'probe' }), loader })).then(
      (instance) => {
        running.push(instance);
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AttachError);
    expect((failure as AttachError).report.attempts).toEqual([
      { mode: 'probe', ok: false, code: 'NOT_IMPLEMENTED', reason: `${which} has no probe implementation` },
    ]);
    expect(ourPrograms()).toEqual([]);
  });

  it.each(['trampoline', 'tracepoint'] as const)(
    'softirq, %s mode: loopback TCP and fsyncs show NET_RX and TIMER time, counts match /proc/softirqs',
    async (mode) => {
      const recorder = RECORD ? new IrqRecorder() : undefined;
      let last: SoftirqReading | undefined;
      const collector = createSoftirqCollector({
        objectPath: SOFTIRQ_OBJECT,
        onRead: (reading) => {
          last = reading;
          recorder?.onSoftirq(reading);
        },
      });
      const instance = await collector.start(testContext({ config: irqConfig('softirq', { typeFormat: 'co-re', coreTracing: mode }), loader }));
      running.push(instance);
      expect(instance.attachMode).toBe(mode);

      const procBefore = procSoftirqs();
      const f0 = await instance.collect();
      recorder?.frame(f0);
      const r0 = last!;
      expect(await tcpBurst(TCP_BYTES)).toBe(TCP_BYTES);
      diskSync(10);
      await sleep(100);
      const f1 = await instance.collect();
      recorder?.frame(f1);
      const r1 = last!;
      const procAfter = procSoftirqs();

      expect(dimensionIds(f1, SOFTIRQ)).toEqual([...irqMetrics.SOFTIRQ_DIMENSIONS]);
      expect(value(f1, SOFTIRQ, 'NET_RX') - value(f0, SOFTIRQ, 'NET_RX')).toBeGreaterThan(0n);
      expect(value(f1, SOFTIRQ, 'TIMER') - value(f0, SOFTIRQ, 'TIMER')).toBeGreaterThan(0n);
      irqMetrics.SOFTIRQ_DIMENSIONS.forEach((name, vec) => {
        const counted = Number(r1.vectors[vec]!.count - r0.vectors[vec]!.count);
        expectAgreement(`softirq ${name}`, counted, procAfter.get(name)! - procBefore.get(name)!);
      });
      const netRx = Number(r1.vectors[3]!.count - r0.vectors[3]!.count);
      console.info(`softirq ${mode}: NET_RX ${netRx} runs, ${value(f1, SOFTIRQ, 'NET_RX') - value(f0, SOFTIRQ, 'NET_RX')} us`);

      if (recorder) {
        writeFixture(`${FIXTURES}/softirq-${mode}.json`, {
          description: `softirq, ${mode} mode; a ${TCP_BYTES}-byte loopback TCP transfer and 10 fsyncs between the two ticks`,
          recorded: { kernel: release(), date: new Date().toISOString().slice(0, 10), attachMode: instance.attachMode },
          ticks: recorder.ticks,
        });
      }
    },
  );

  it.each(['trampoline', 'tracepoint'] as const)(
    'hardirq, %s mode: fsyncs, timers and IPIs show up under /proc/interrupts names, counts match /proc/interrupts',
    async (mode) => {
      const recorder = RECORD ? new IrqRecorder() : undefined;
      let last: HardirqReading | undefined;
      const collector = createHardirqCollector({
        objectPath: HARDIRQ_OBJECT,
        onRead: (reading) => {
          last = reading;
          recorder?.onHardirq(reading);
        },
      });
      const logger = memoryLogger();
      const instance = await collector.start(
        testContext({ config: irqConfig('hardirq', { typeFormat: 'co-re', coreTracing: mode }), loader, logger }),
      );
      running.push(instance);
      expect(instance.attachMode).toBe(mode);
      for (const event of ['threshold_apic', 'deferred_error_apic']) {
        if (!existsSync(`/sys/kernel/tracing/events/irq_vectors/${event}_entry`)) {
          expect(logger.lines.join('\n')).toContain(event);
        }
      }

      const procBefore = procInterrupts();
      const f0 = await instance.collect();
      const r0 = last!;
      const namesAt = (reading: HardirqReading, table: InterruptsTable) => {
        const names = irqLineNames(table);
        return Object.fromEntries([...reading.lines.keys()].map((irq) => [String(irq), names.get(irq) ?? `irq${irq}`]));
      };
      recorder?.frame(f0, namesAt(r0, procBefore));
      diskSync(FSYNCS);
      await pingPong(PING_PONGS);
      await sleep(100);
      const f1 = await instance.collect();
      const r1 = last!;
      const procAfter = procInterrupts();
      recorder?.frame(f1, namesAt(r1, procAfter));

      // A line first seen in the second tick has no value in the first: its dimension did not exist yet.
      const delta = (dimension: string) =>
        value(f1, HARDIRQ, dimension) - (dimensionIds(f0, HARDIRQ).includes(dimension) ? value(f0, HARDIRQ, dimension) : 0n);
      expect(delta('local_timer')).toBeGreaterThan(0n);
      expect(delta('reschedule') + delta('func_call') + delta('func_call_single')).toBeGreaterThan(0n);

      // Dimension names are /proc/interrupts' handler names (checked against sysfs too, an independent source).
      const names = irqLineNames(procAfter);
      const ids = dimensionIds(f1, HARDIRQ);
      expect(ids.slice(0, irqMetrics.HARDIRQ_VECTOR_DIMENSIONS.length)).toEqual([...irqMetrics.HARDIRQ_VECTOR_DIMENSIONS]);
      const lineIds = new Set(ids.slice(irqMetrics.HARDIRQ_VECTOR_DIMENSIONS.length));
      for (const irq of r1.lines.keys()) {
        const name = names.get(irq);
        expect(name, `IRQ ${irq} fired but /proc/interrupts has no handler for it`).toBeDefined();
        expect(lineIds).toContain(name);
        const sysfs = `/sys/kernel/irq/${irq}/actions`;
        if (existsSync(sysfs)) expect(readFileSync(sysfs, 'utf8').trim().split(',').join(', ')).toBe(name);
      }
      // The fsyncs reached the disk: some device line got time in the interval.
      const busy = [...lineIds].filter((id) => delta(id) > 0n);
      expect(busy.length, `line dimensions: ${[...lineIds].join(', ')}`).toBeGreaterThan(0);

      // Counts against the kernel's own counters, for every line and for the timer and reschedule vectors.
      const before = lineTotals(procBefore);
      const after = lineTotals(procAfter);
      let disk = 0;
      for (const [irq, slot] of r1.lines) {
        const counted = Number(slot.count - (r0.lines.get(irq)?.count ?? 0n));
        const kernel = after.get(String(irq))! - (before.get(String(irq)) ?? 0);
        expectAgreement(`IRQ ${irq} (${names.get(irq)})`, counted, kernel);
        disk = Math.max(disk, counted);
      }
      expect(disk, 'the busiest line took at least one interrupt per fsync').toBeGreaterThanOrEqual(FSYNCS);
      const vectorCount = (index: number) => Number(r1.vectors[index]!.count - r0.vectors[index]!.count);
      expectAgreement('local_timer vs LOC', vectorCount(8), after.get('LOC')! - before.get('LOC')!);
      expectAgreement('reschedule vs RES', vectorCount(7), after.get('RES')! - before.get('RES')!);
      console.info(
        `hardirq ${mode}: ${busy.map((id) => `${id}=${delta(id)}us`).join(' ')} local_timer=${delta('local_timer')}us ` +
          `reschedule=${vectorCount(7)} func_call=${vectorCount(5)} func_call_single=${vectorCount(6)}`,
      );

      if (recorder) {
        writeFixture(`${FIXTURES}/hardirq-${mode}.json`, {
          description: `hardirq, ${mode} mode; ${FSYNCS} fsyncs on the virtio disk and ${PING_PONGS} cross-thread ping-pongs between the two ticks`,
          recorded: { kernel: release(), date: new Date().toISOString().slice(0, 10), attachMode: instance.attachMode },
          ticks: recorder.ticks,
        });
      }
    },
  );
});
