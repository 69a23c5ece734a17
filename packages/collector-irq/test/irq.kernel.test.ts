/**
 * The hardirq and softirq collectors on the running kernel: real loader,
 * real programs, the collectors' own self-tests (the workloads and lower
 * bounds `ebpf.plugin --self-test` and the VM lane run), and on top of them
 * the kernel's own counters (/proc/interrupts, /proc/softirqs) as ground
 * truth for every slot. Needs root.
 *
 * EBPFC_RECORD_FIXTURES=1 also writes the recorded runs to test/fixtures/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  CollectorConfig,
  CollectorDefinition,
  CollectorFrame,
  CollectorInstance,
  Logger,
  SelfTestCheck,
  SelfTestContext,
} from '@ebpf-collectors/core';
import { AttachError, PidTable, chartKey, chartMovement, checkExpectations } from '@ebpf-collectors/core';
import { createLoader } from '@ebpf-collectors/loader-native';
import { kernelTestSkipReason } from '@ebpf-collectors/test-utils';
import {
  createHardirqCollector,
  createSoftirqCollector,
  hardirqWorkloadSize,
  irqLineNames,
  irqMetrics,
  parseInterrupts,
  softirqWorkloadSize,
  type HardirqReading,
  type InterruptsTable,
  type SoftirqReading,
} from '../src/index.js';
import { irqConfig, memoryLogger, programsLeft, programsLoaded, testContext, trackingLoader, type TrackingLoader } from './context.js';
import { IrqRecorder, writeFixture } from './fixture.js';

const HARDIRQ_OBJECT = fileURLToPath(new URL('../bpf/hardirq.bpf.o', import.meta.url));
const SOFTIRQ_OBJECT = fileURLToPath(new URL('../bpf/softirq.bpf.o', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const RECORD = process.env.EBPFC_RECORD_FIXTURES === '1';
const skip = kernelTestSkipReason({ tracefs: true, tools: ['bpftool'], files: [HARDIRQ_OBJECT, SOFTIRQ_OBJECT] });

const HARDIRQ = 'system.hardirq_latency';
const SOFTIRQ = 'system.softirq_latency';
/** Full-size workloads: this is a real machine, not the emulated VM. */
const HARDIRQ_WORK = hardirqWorkloadSize(1);
const SOFTIRQ_WORK = softirqWorkloadSize(1);

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

/** The two collects of a self-test and the kernel's counters read just outside them. */
interface MeasuredWindow<K> {
  readonly frames: [CollectorFrame, CollectorFrame];
  readonly kernelBefore: K;
  readonly kernelAfter: K;
}

/**
 * A self-test context like the plugin's, whose `measure` also keeps the
 * frames and reads the kernel's counters just before the first and just
 * after the second collect, for the checks the self-test's lower bounds
 * leave out.
 */
function recordingContext<K>(options: {
  instance: CollectorInstance;
  config: CollectorConfig;
  logger: Logger;
  scratchDir: string;
  readKernel: () => K;
  /** Called right after each collect (the collector's onRead has just run). */
  onCollected?: (frame: CollectorFrame, index: 0 | 1) => void;
}): { context: SelfTestContext; window: () => MeasuredWindow<K> } {
  let window: MeasuredWindow<K> | undefined;
  const grouping = new PidTable();
  const context: SelfTestContext = {
    instance: options.instance,
    config: options.config,
    grouping,
    logger: options.logger,
    scratchDir: options.scratchDir,
    scale: 1,
    async measure(workload) {
      const kernelBefore = options.readKernel();
      const f0 = await options.instance.collect();
      options.onCollected?.(f0, 0);
      await workload();
      await sleep(300);
      const f1 = await options.instance.collect();
      options.onCollected?.(f1, 1);
      window = { frames: [f0, f1], kernelBefore, kernelAfter: options.readKernel() };
      return chartMovement(f0, [f1]);
    },
  };
  return {
    context,
    window: () => {
      if (window === undefined) throw new Error('the self-test never called measure()');
      return window;
    },
  };
}

function failedChecks(checks: ReadonlyArray<SelfTestCheck>): string[] {
  return checks.filter((c) => !c.ok).map((c) => `${c.chart} ${c.dimension}: ${c.seen} < ${c.atLeast} (${c.why})`);
}

describe.skipIf(skip !== undefined)(`irq collectors on ${release()}${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 60_000 }, () => {
  let loader: TrackingLoader;
  let scratchDir: string;
  const running: CollectorInstance[] = [];

  beforeAll(async () => {
    loader = trackingLoader(createLoader());
    // The fsyncs must reach a disk: not tmpfs (EBPFC_DISK_DIR moves them).
    scratchDir = await mkdtemp(join(process.env.EBPFC_DISK_DIR ?? tmpdir(), 'irq-kernel-test-'));
    return () => rm(scratchDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const instance of running.splice(0)) instance.close();
    expect(await programsLeft(loader.programIds)).toEqual([]);
  });

  async function startInstance(definition: CollectorDefinition, config: CollectorConfig, logger: Logger = memoryLogger()) {
    const instance = await definition.start(testContext({ config, loader, logger }));
    running.push(instance);
    return instance;
  }

  it.each(['hardirq', 'softirq'] as const)('%s: auto takes the tp_btf family (trampoline) here and records probe as not implemented', async (which) => {
    const logger = memoryLogger();
    const definition = which === 'hardirq' ? createHardirqCollector({ objectPath: HARDIRQ_OBJECT }) : createSoftirqCollector({ objectPath: SOFTIRQ_OBJECT });
    const instance = await startInstance(definition, irqConfig(which, { typeFormat: 'auto', coreTracing: 'probe' }), logger);
    expect(instance.report.attempts, logger.lines.join('\n')).toEqual([
      { mode: 'probe', ok: false, code: 'NOT_IMPLEMENTED', reason: `${which} has no probe implementation` },
      { mode: 'trampoline', ok: true },
    ]);
    expect(instance.attachMode).toBe('trampoline');
    // The leftover check after each test looks for these ids: they must be seen while loaded.
    expect(programsLoaded(loader.programIds).filter((p) => p.includes(`:trampoline_${which === 'hardirq' ? 'hard' : 'soft'}`)).length).toBeGreaterThan(0);
    // tp_btf really works on this kernel; fentry (the other BTF trampoline) does not.
    expect(loader.features.tpBtf()).toBe(true);
    console.info(`${which} attach report: ${JSON.stringify(instance.report)}`);
  });

  it.each(['hardirq', 'softirq'] as const)('%s: a forced probe mode fails with an AttachError and loads nothing', async (which) => {
    const collector = which === 'hardirq' ? createHardirqCollector({ objectPath: HARDIRQ_OBJECT }) : createSoftirqCollector({ objectPath: SOFTIRQ_OBJECT });
    const idsBefore = new Set(loader.programIds);
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
    expect([...loader.programIds].filter((id) => !idsBefore.has(id)), 'programs loaded by a start that had no mode to load').toEqual([]);
  });

  it.each(['trampoline', 'tracepoint'] as const)(
    'softirq, %s mode: the self-test passes (loopback TCP shows NET_RX time), TIMER grows, counts match /proc/softirqs',
    async (mode) => {
      const recorder = RECORD ? new IrqRecorder() : undefined;
      const readings: SoftirqReading[] = [];
      const definition = createSoftirqCollector({
        objectPath: SOFTIRQ_OBJECT,
        onRead: (reading) => {
          readings.push(reading);
          recorder?.onSoftirq(reading);
        },
      });
      const config = irqConfig('softirq', { typeFormat: 'co-re', coreTracing: mode });
      const logger = memoryLogger();
      const instance = await startInstance(definition, config, logger);
      expect(instance.attachMode).toBe(mode);

      const { context, window } = recordingContext({
        instance,
        config,
        logger,
        scratchDir,
        readKernel: procSoftirqs,
        onCollected: (frame) => recorder?.frame(frame),
      });
      const { movement, expectations } = await definition.selfTest!.run(context);
      expect(failedChecks(checkExpectations(movement, expectations)), logger.lines.join('\n')).toEqual([]);
      expect(expectations.map((e) => e.dimension)).toEqual(['NET_RX']);

      const { frames: [f0, f1], kernelBefore, kernelAfter } = window();
      const [r0, r1] = [readings.at(-2)!, readings.at(-1)!];
      expect(dimensionIds(f1, SOFTIRQ)).toEqual([...irqMetrics.SOFTIRQ_DIMENSIONS]);
      expect(value(f1, SOFTIRQ, 'TIMER') - value(f0, SOFTIRQ, 'TIMER')).toBeGreaterThan(0n);
      irqMetrics.SOFTIRQ_DIMENSIONS.forEach((name, vec) => {
        const counted = Number(r1.vectors[vec]!.count - r0.vectors[vec]!.count);
        expectAgreement(`softirq ${name}`, counted, kernelAfter.get(name)! - kernelBefore.get(name)!);
      });
      const netRx = Number(r1.vectors[3]!.count - r0.vectors[3]!.count);
      console.info(`softirq ${mode}: NET_RX ${netRx} runs, ${movement.get(`${SOFTIRQ}.NET_RX`)} us`);

      if (recorder) {
        writeFixture(`${FIXTURES}/softirq-${mode}.json`, {
          description: `softirq, ${mode} mode; the self-test's ${SOFTIRQ_WORK.tcpBytes}-byte loopback TCP transfer between the two ticks`,
          recorded: { kernel: release(), date: new Date().toISOString().slice(0, 10), attachMode: instance.attachMode },
          ticks: recorder.ticks,
        });
      }
    },
  );

  it.each(['trampoline', 'tracepoint'] as const)(
    'hardirq, %s mode: the self-test passes (timer, IPI and disk-line time), names and counts match /proc/interrupts',
    async (mode) => {
      const recorder = RECORD ? new IrqRecorder() : undefined;
      const readings: HardirqReading[] = [];
      const definition = createHardirqCollector({
        objectPath: HARDIRQ_OBJECT,
        onRead: (reading) => {
          readings.push(reading);
          recorder?.onHardirq(reading);
        },
      });
      const config = irqConfig('hardirq', { typeFormat: 'co-re', coreTracing: mode });
      const logger = memoryLogger();
      const instance = await startInstance(definition, config, logger);
      expect(instance.attachMode).toBe(mode);
      for (const event of ['threshold_apic', 'deferred_error_apic']) {
        if (!existsSync(`/sys/kernel/tracing/events/irq_vectors/${event}_entry`)) {
          expect(logger.lines.join('\n')).toContain(event);
        }
      }

      const namesAt = (reading: HardirqReading, table: InterruptsTable) => {
        const names = irqLineNames(table);
        return Object.fromEntries([...reading.lines.keys()].map((irq) => [String(irq), names.get(irq) ?? `irq${irq}`]));
      };
      const { context, window } = recordingContext({
        instance,
        config,
        logger,
        scratchDir,
        readKernel: procInterrupts,
        onCollected: (frame) => recorder?.frame(frame, namesAt(readings.at(-1)!, procInterrupts())),
      });
      const { movement, expectations } = await definition.selfTest!.run(context);
      expect(failedChecks(checkExpectations(movement, expectations)), logger.lines.join('\n')).toEqual([]);
      // x86 with a disk under the scratch dir: the timer, one IPI vector and one device line are all bounded.
      expect(expectations.map((e) => e.dimension).slice(0, 1)).toEqual(['local_timer']);
      expect(['reschedule', 'func_call', 'func_call_single']).toContain(expectations[1]?.dimension);
      expect(expectations).toHaveLength(3);

      const { frames: [f0, f1], kernelBefore: procBefore, kernelAfter: procAfter } = window();
      const [r0, r1] = [readings.at(-2)!, readings.at(-1)!];
      // A line first seen in the second tick has no value in the first: its dimension did not exist yet.
      const delta = (dimension: string) =>
        value(f1, HARDIRQ, dimension) - (dimensionIds(f0, HARDIRQ).includes(dimension) ? value(f0, HARDIRQ, dimension) : 0n);
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
      const busy = [...lineIds].filter((id) => delta(id) > 0n);

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
      expect(disk, 'the busiest line took at least one interrupt per fsync').toBeGreaterThanOrEqual(HARDIRQ_WORK.fsyncs);
      const vectorCount = (index: number) => Number(r1.vectors[index]!.count - r0.vectors[index]!.count);
      expectAgreement('local_timer vs LOC', vectorCount(8), after.get('LOC')! - before.get('LOC')!);
      expectAgreement('reschedule vs RES', vectorCount(7), after.get('RES')! - before.get('RES')!);
      console.info(
        `hardirq ${mode}: ${busy.map((id) => `${id}=${delta(id)}us`).join(' ')} local_timer=${delta('local_timer')}us ` +
          `reschedule=${vectorCount(7)} func_call=${vectorCount(5)} func_call_single=${vectorCount(6)}`,
      );

      if (recorder) {
        writeFixture(`${FIXTURES}/hardirq-${mode}.json`, {
          description:
            `hardirq, ${mode} mode; the self-test's ${HARDIRQ_WORK.fsyncs} fsyncs on the virtio disk, ${HARDIRQ_WORK.rereads} ` +
            `re-reads of the object file and ${HARDIRQ_WORK.pingPongs} cross-thread ping-pongs between the two ticks`,
          recorded: { kernel: release(), date: new Date().toISOString().slice(0, 10), attachMode: instance.attachMode },
          ticks: recorder.ticks,
        });
      }
    },
  );
});
