import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { OutputClosedError, type ChartDefinition, type OutputFrame } from '@ebpf-collectors/core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { createJsonOutput, JSON_SCHEMA_ID, JSON_SCHEMA_VERSION, JsonSerializer, parseJsonFrame, type JsonFrame } from '../src/index.js';

const schema = JSON.parse(readFileSync(new URL('../schema/output-json.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

/** Three consecutive ticks of every collector, recorded with `ebpf.plugin --output json` on the CI host (cgroups cut to two). */
const recorded = readFileSync(new URL('./fixtures/all-collectors.jsonl', import.meta.url), 'utf8').trim().split('\n');

const chart: ChartDefinition = {
  type: 'system',
  id: 'demo',
  title: 'Demo',
  units: 'calls/s',
  family: 'demo',
  context: '',
  chartType: 'line',
  priority: 1,
  updateEvery: 1,
  module: 'demo',
  dimensions: [
    { id: 'inc', name: 'counted', algorithm: 'incremental', multiplier: 8, divisor: 1000 },
    { id: 'abs', algorithm: 'absolute', divisor: 10 },
    { id: 'pa', algorithm: 'percentage-of-absolute-row' },
    { id: 'pb', algorithm: 'percentage-of-absolute-row' },
    { id: 'gap', algorithm: 'absolute' },
  ],
};

function frame(second: number, values: Record<string, bigint>): OutputFrame {
  return {
    timeMs: 5000 + second * 1000,
    wallTimeMs: second * 1000,
    frames: [{ collector: 'demo', frame: { charts: [{ chart, values: new Map(Object.entries(values)) }] } }],
  };
}

describe('JsonSerializer', () => {
  it('writes numbers, both times named as what they are, and values as Netdata charts them', () => {
    const serializer = new JsonSerializer();
    const first = serializer.frame(frame(1_800_000_000, { inc: 1000n, abs: 25n, pa: 1n, pb: 3n }));
    const second = serializer.frame(frame(1_800_000_002, { inc: 3000n, abs: 25n, pa: 1n, pb: 3n }));
    expect(first.schema).toBe(1);
    expect(first.time).toBe(1_800_000_000_000);
    expect(first.timeIso).toBe('2027-01-15T08:00:00.000Z');
    expect(first.monotonicMs).toBe(5000 + 1_800_000_000_000);
    const dims = (f: JsonFrame) => Object.fromEntries(f.charts[0]!.dimensions.map((d) => [d.id, [d.value, d.display]]));
    // incremental: unknown on the first line, then (3000 - 1000) / 2 s x 8 / 1000.
    expect(dims(first)).toEqual({ inc: [1000, null], abs: [25, 2.5], pa: [1, 25], pb: [3, 75], gap: [null, null] });
    expect(dims(second).inc).toEqual([3000, 8]);
    expect(first.charts[0]).toMatchObject({ id: 'system.demo', context: 'system.demo', collector: 'demo' });
    expect(first.charts[0]!.dimensions[0]).toMatchObject({ name: 'counted', multiplier: 8, divisor: 1000 });
    expect(validate(first), ajv.errorsText(validate.errors)).toBe(true);
    // JSON.stringify would throw on a bigint.
    expect(() => JSON.parse(serializer.serialize(frame(1_800_000_003, { inc: 2n ** 40n })))).not.toThrow();
  });

  it('shows a counter that went backwards as unknown rather than negative', () => {
    const serializer = new JsonSerializer();
    serializer.frame(frame(10, { inc: 500n }));
    const after = serializer.frame(frame(11, { inc: 100n }));
    expect(after.charts[0]!.dimensions[0]!.display).toBeNull();
  });

  it('produces lines valid against the published schema for every collector of a real recording', () => {
    const serializer = new JsonSerializer();
    const collectors = new Set<string>();
    for (const line of recorded) {
      const original = JSON.parse(line) as JsonFrame;
      const again = serializer.frame(parseJsonFrame(original));
      expect(validate(again), ajv.errorsText(validate.errors)).toBe(true);
      expect(validate(original), ajv.errorsText(validate.errors)).toBe(true);
      for (const c of again.charts) collectors.add(c.collector);
      // Replaying a recording gives back the same values.
      expect(again.charts.map((c) => c.dimensions.map((d) => d.value))).toEqual(original.charts.map((c) => c.dimensions.map((d) => d.value)));
    }
    expect([...collectors].sort()).toEqual(['ebpf.plugin', 'fd', 'filesystem', 'hardirq', 'process', 'socket', 'softirq', 'sync', 'vfs']);
  });

  it('names the shipped schema and its version as the constants do', () => {
    expect(schema).toMatchObject({ $id: JSON_SCHEMA_ID, properties: { schema: { const: JSON_SCHEMA_VERSION } } });
  });

  it('rejects lines the schema does not describe', () => {
    const line = JSON.parse(recorded[0]!) as Record<string, unknown>;
    expect(validate({ ...line, schema: 2 })).toBe(false);
    expect(validate({ ...line, time: '2026-12-07' })).toBe(false);
    expect(() => parseJsonFrame('{"schema":2,"charts":[]}')).toThrow('schema 1');
  });
});

describe('createJsonOutput', () => {
  it('writes one line per tick, nothing for an empty tick, and an obsolete line', async () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const output = createJsonOutput({ stream, clock: () => 42_000 });
    await output.write(frame(1, { inc: 1n }));
    await output.write({ timeMs: 0, wallTimeMs: 2000, frames: [] });
    await output.write(frame(3, { inc: 2n }));
    await output.obsolete?.([chart]);
    await output.close();
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as JsonFrame);
    expect(lines.map((l) => l.time)).toEqual([1000, 3000, 42_000]);
    expect(lines[2]).toMatchObject({ charts: [], obsolete: ['system.demo'] });
    for (const line of lines) expect(validate(line), ajv.errorsText(validate.errors)).toBe(true);
  });

  it('rejects with OutputClosedError once the reader is gone', async () => {
    const stream = new PassThrough();
    const output = createJsonOutput({ stream });
    stream.destroy();
    await new Promise((r) => setImmediate(r));
    await expect(output.write(frame(1, { inc: 1n }))).rejects.toBeInstanceOf(OutputClosedError);
  });
});
