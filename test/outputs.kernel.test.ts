/**
 * The JSON lines output against the Netdata output, both fed by one agent
 * running every collector on this kernel: for the same interval, the same
 * values; and every line valid against the published schema.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  createAgent,
  createGroupAccumulator,
  createStreamLogger,
  isPerIntervalAmount,
  loadAppsGroups,
  loadConfig,
  NETDATA_MODULES,
  PidTable,
  resolveConfigDirs,
  type CollectorDefinition,
  type DimensionAlgorithm,
} from '@ebpf-collectors/core';
import { createLoader } from '@ebpf-collectors/loader-native';
import { createJsonOutput, type JsonFrame } from '@ebpf-collectors/output-json';
import { createNetdataOutput } from '@ebpf-collectors/output-netdata';
import { kernelTestSkipReason, parseNetdataStream, type ParsedBlock } from '@ebpf-collectors/test-utils';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { makeConfigDir } from './plugin-harness.js';

const COLLECTOR_PACKAGES = [
  '@ebpf-collectors/collector-process',
  '@ebpf-collectors/collector-socket',
  '@ebpf-collectors/collector-vfs',
  '@ebpf-collectors/collector-fs',
  '@ebpf-collectors/collector-irq',
];

async function collectorDefinitions(): Promise<CollectorDefinition[]> {
  const out: CollectorDefinition[] = [];
  for (const name of COLLECTOR_PACKAGES) {
    const module = (await import(name)) as Record<string, unknown>;
    const list = Array.isArray(module['collectors']) ? (module['collectors'] as unknown[]) : Object.values(module);
    for (const value of list) {
      const d = value as CollectorDefinition;
      if (d && typeof d === 'object' && typeof d.name === 'string' && typeof d.start === 'function' && !out.some((o) => o.name === d.name)) out.push(d);
    }
  }
  return out;
}

function text(stream: PassThrough): () => string {
  let out = '';
  stream.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return () => out;
}

const skip = kernelTestSkipReason();

describe.skipIf(skip)('JSON lines and Netdata outputs on live collectors', () => {
  it('carry the same values for the same intervals, and every JSON line matches the schema', async () => {
    const configDir = makeConfigDir();
    const dirs = resolveConfigDirs({ env: {}, configDir });
    const logger = createStreamLogger({ level: 'warn', stream: process.stderr });
    const loader = createLoader({ logger });
    const config = await loadConfig({ dirs, modules: NETDATA_MODULES, cli: {} });
    const grouping = new PidTable({ apps: loadAppsGroups(dirs).groups, cgroups: false, logger });
    const netdataStream = new PassThrough();
    const jsonStream = new PassThrough();
    const netdataText = text(netdataStream);
    const jsonText = text(jsonStream);
    const definitions = await collectorDefinitions();
    const agent = createAgent({
      collectors: definitions,
      configs: config.collectors,
      outputs: [createNetdataOutput({ stream: netdataStream, logger }), createJsonOutput({ stream: jsonStream })],
      loader,
      logger,
      grouping,
      createAccumulator: (by, lanes) => createGroupAccumulator(grouping, by, lanes),
      internalCharts: { updateEvery: 1 },
    });
    const scratch = mkdtempSync(join(tmpdir(), 'ebpfc-outputs-'));
    try {
      const started = await agent.start();
      expect(started.failed.map((f) => `${f.name}: ${f.error.message}`)).toEqual([]);
      expect(started.running.map((r) => r.name).sort()).toEqual(definitions.map((d) => d.name).sort());
      const first = Math.floor(Date.now() / 1000) + 1;
      for (let i = 0; i < 3; i++) {
        // Something for the counters to count: forks, writes with fsync.
        for (let n = 0; n < 20; n++) spawnSync('/bin/true');
        const fd = openSync(join(scratch, `f${i}`), 'w');
        writeSync(fd, Buffer.alloc(64 * 1024, 7));
        fsyncSync(fd);
        closeSync(fd);
        readFileSync(join(scratch, `f${i}`));
        await new Promise((r) => setTimeout(r, Math.max(0, (first + i) * 1000 - Date.now())));
        await agent.tick(first + i);
      }
    } finally {
      await agent.close();
      rmSync(scratch, { recursive: true, force: true });
      rmSync(configDir, { recursive: true, force: true });
    }

    const lines = jsonText().trim().split('\n').map((l) => JSON.parse(l) as JsonFrame);
    expect(lines).toHaveLength(3);
    const schema = JSON.parse(readFileSync(new URL('../packages/output-json/schema/output-json.schema.json', import.meta.url), 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    for (const line of lines) expect(validate(line), ajv.errorsText(validate.errors)).toBe(true);
    const collectors = new Set(lines.flatMap((l) => l.charts.map((c) => c.collector)));
    for (const { name } of definitions) expect(collectors, name).toContain(name);
    expect(collectors.size).toBeGreaterThanOrEqual(7); // process, socket, vfs, fd, filesystem, hardirq, softirq

    // The Netdata stream, read by the strict 1.37 parser: block k of a chart is tick k.
    const parsed = parseNetdataStream(netdataText());
    expect(parsed.errors).toEqual([]);
    const blocksByChart = new Map<string, ParsedBlock[]>();
    for (const block of parsed.values) {
      const list = blocksByChart.get(block.chart) ?? [];
      list.push(block);
      blocksByChart.set(block.chart, list);
    }
    let compared = 0;
    let nonZero = 0;
    lines.forEach((line, tick) => {
      for (const chart of line.charts) {
        const netdata = blocksByChart.get(chart.id)?.[tick];
        expect(netdata, `${chart.id} at tick ${tick}`).toBeDefined();
        // A tick more than half a second late (a loaded machine) has its
        // per-interval amounts scaled to one second in the Netdata stream only.
        const declared = parsed.charts.get(chart.id);
        const late = (netdata!.microseconds ?? 0) > 1_500_000;
        for (const dimension of chart.dimensions) {
          if (dimension.value === null) continue;
          const algorithm = declared?.dimensions.get(dimension.id)?.algorithm ?? 'absolute';
          if (late && declared && isPerIntervalAmount(declared, { algorithm: algorithm as DimensionAlgorithm })) continue;
          expect(Number(netdata!.values.get(dimension.id)), `${chart.id} ${dimension.id} at tick ${tick}`).toBe(dimension.value);
          compared++;
          if (dimension.value !== 0) nonZero++;
        }
      }
    });
    expect(compared).toBeGreaterThan(500);
    expect(nonZero).toBeGreaterThan(50);
    // The workload shows in both: forks counted in the last interval.
    const forks = lines[2]!.charts.find((c) => c.id === 'system.process_thread')!.dimensions.find((d) => d.name === 'process')!;
    expect(forks.value).toBeGreaterThanOrEqual(20);
    // Times named as what they are: wall clock on whole seconds, monotonic a second apart.
    expect(lines[1]!.time - lines[0]!.time).toBe(1000);
    expect(lines[1]!.monotonicMs - lines[0]!.monotonicMs).toBeGreaterThan(500);
  }, 120_000);
});
