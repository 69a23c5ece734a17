import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { ChartValues, OutputFrame } from '@ebpf-collectors/core';
import { parseJsonFrame } from '@ebpf-collectors/output-json';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { createOtelOutput, FILESYSTEM_HISTOGRAM_BOUNDS_SECONDS } from '../src/index.js';

/** Three ticks of every collector recorded with `ebpf.plugin --output json` (the fixture of output-json). */
const recorded: OutputFrame[] = readFileSync(new URL('../../output-json/test/fixtures/all-collectors.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => parseJsonFrame(line));

function chartOf(frame: OutputFrame, key: string): ChartValues {
  const found = frame.frames.flatMap((f) => f.frame.charts).find((c) => `${c.chart.type}.${c.chart.id}` === key);
  if (!found) throw new Error(`no chart ${key} in the recording`);
  return found;
}
const last = recorded[recorded.length - 1]!;
const raw = (key: string, dimension: string, frame = last) => Number(chartOf(frame, key).values.get(dimension));

/** What the tests compare: instrument -> attribute set -> value (or bucket counts). */
type Flat = Map<string, Map<string, number | { counts: number[]; bounds: number[]; count: number }>>;

const providers: MeterProvider[] = [];
const servers: Server[] = [];
afterEach(async () => {
  for (const p of providers.splice(0)) await p.shutdown();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

function attributeText(attributes: Record<string, unknown>): string {
  return Object.entries(attributes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
}

function flattenSdk(metrics: MetricData[]): Flat {
  const out: Flat = new Map();
  for (const metric of metrics) {
    const points = new Map<string, number | { counts: number[]; bounds: number[]; count: number }>();
    for (const point of metric.dataPoints) {
      const key = attributeText(point.attributes);
      if (metric.dataPointType === DataPointType.HISTOGRAM) {
        const value = point.value as { buckets: { boundaries: number[]; counts: number[] }; count: number };
        points.set(key, { counts: value.buckets.counts, bounds: value.buckets.boundaries, count: value.count });
      } else points.set(key, point.value as number);
    }
    out.set(metric.descriptor.name, points);
  }
  return out;
}

/** Decode an OTLP/HTTP JSON export request (opentelemetry-proto's JSON mapping). */
function flattenOtlp(body: unknown): { flat: Flat; units: Map<string, string> } {
  type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
  type Point = { attributes?: Array<{ key: string; value: AnyValue }>; asInt?: string | number; asDouble?: number; bucketCounts?: Array<string | number>; explicitBounds?: number[]; count?: string | number };
  type Metric = { name: string; unit?: string; sum?: { dataPoints: Point[] }; gauge?: { dataPoints: Point[] }; histogram?: { dataPoints: Point[] } };
  const request = body as { resourceMetrics: Array<{ scopeMetrics: Array<{ scope: { name: string }; metrics: Metric[] }> }> };
  const flat: Flat = new Map();
  const units = new Map<string, string>();
  for (const resource of request.resourceMetrics) {
    for (const scope of resource.scopeMetrics) {
      for (const metric of scope.metrics) {
        units.set(metric.name, metric.unit ?? '');
        const points = new Map<string, number | { counts: number[]; bounds: number[]; count: number }>();
        const attrs = (p: Point) =>
          attributeText(Object.fromEntries((p.attributes ?? []).map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.doubleValue ?? a.value.boolValue])));
        for (const p of metric.sum?.dataPoints ?? metric.gauge?.dataPoints ?? []) points.set(attrs(p), Number(p.asDouble ?? p.asInt));
        for (const p of metric.histogram?.dataPoints ?? []) {
          points.set(attrs(p), { counts: (p.bucketCounts ?? []).map(Number), bounds: p.explicitBounds ?? [], count: Number(p.count) });
        }
        flat.set(metric.name, points);
      }
    }
  }
  return { flat, units };
}

async function inMemory(): Promise<{ flat: Flat; metrics: MetricData[] }> {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  providers.push(provider);
  const output = createOtelOutput({ meterProvider: provider });
  for (const frame of recorded) output.write(frame);
  await reader.forceFlush();
  const metrics = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
  return { flat: flattenSdk(metrics), metrics };
}

describe('the OpenTelemetry output through the official SDK', () => {
  it('delivers counters, gauges and histograms with the recorded values (in-memory exporter)', async () => {
    const { flat, metrics } = await inMemory();
    // incremental: the cumulative value itself, in bytes, never negative (Netdata draws writes below the axis).
    expect(flat.get('ebpf.filesystem.vfs_io_bytes')?.get('ebpf.dimension=write')).toBe(raw('filesystem.vfs_io_bytes', 'vfs_write'));
    // absolute per-second: the per-interval values added up over the three ticks.
    const forks = recorded.reduce((sum, frame) => sum + raw('system.process_thread', '_do_fork', frame), 0);
    expect(flat.get('ebpf.system.process_thread')?.get('ebpf.dimension=process')).toBe(forks);
    // A gauge stays a gauge.
    expect(metrics.find((m) => m.descriptor.name === 'ebpf.netdata.ebpf_kernel_memory')?.dataPointType).toBe(DataPointType.GAUGE);
    // A histogram: the chart's bucket bounds, and each bucket holding that bucket's count.
    const histogram = flat.get('ebpf.filesystem.ext4_read_latency')?.get('') as { counts: number[]; bounds: number[]; count: number };
    expect(histogram.bounds).toEqual(FILESYSTEM_HISTOGRAM_BOUNDS_SECONDS.slice(0, 23));
    const chart = chartOf(last, 'filesystem.ext4_read_latency');
    expect(histogram.counts).toEqual(chart.chart.dimensions.map((d) => Number(chart.values.get(d.id))));
    expect(histogram.count).toBe(histogram.counts.reduce((a, b) => a + b, 0));
    expect(metrics.find((m) => m.descriptor.name === 'ebpf.filesystem.ext4_read_latency')?.descriptor.unit).toBe('s');
    // Per-group and per-cgroup attributes.
    const apps = flat.get('ebpf.apps.vfs_write_bytes')!;
    expect([...apps.keys()].every((k) => k.startsWith('ebpf.app_group='))).toBe(true);
    expect([...flat.get('ebpf.cgroup.vfs_write_bytes')!.keys()][0]).toMatch(/^ebpf.cgroup=[^,]+,ebpf.dimension=write$/);
  });

  it('delivers the same values over OTLP/HTTP to a receiver, as the exporter encodes them', async () => {
    const { flat: expected } = await inMemory();
    const requests: unknown[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = request.headers['content-encoding'] === 'gzip' ? gunzipSync(body).toString() : body.toString();
        expect(request.url).toBe('/v1/metrics');
        expect(request.headers['content-type']).toBe('application/json');
        requests.push(JSON.parse(text));
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{}');
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: `http://127.0.0.1:${port}/v1/metrics` }),
      exportIntervalMillis: 3_600_000,
    });
    const provider = new MeterProvider({ readers: [reader] });
    providers.push(provider);
    const output = createOtelOutput({ meterProvider: provider });
    for (const frame of recorded) output.write(frame);
    await reader.forceFlush();
    expect(requests).toHaveLength(1);
    const { flat, units } = flattenOtlp(requests[0]);
    expect(units.get('ebpf.filesystem.vfs_io_bytes')).toBe('By');
    expect(units.get('ebpf.system.hardirq_latency')).toBe('s');
    expect([...flat.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, points] of expected) {
      for (const [attrs, value] of points) {
        const got = flat.get(name)?.get(attrs);
        if (typeof value === 'number') expect(got, `${name} {${attrs}}`).toBeCloseTo(value, 9);
        else expect(got, `${name} {${attrs}}`).toEqual(value);
      }
    }
  });

  it('caps attribute sets per instrument and stops reporting charts that went away', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    providers.push(provider);
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} };
    const output = createOtelOutput({ meterProvider: provider, maxSeriesPerInstrument: 1, logger });
    const apps = {
      type: 'apps', id: 'vfs_open', title: 'Open', units: 'calls/s', family: 'vfs', context: '', chartType: 'stacked' as const,
      priority: 1, updateEvery: 1, module: 'vfs',
      dimensions: [{ id: 'a', algorithm: 'incremental' as const }, { id: 'b', algorithm: 'incremental' as const }],
    };
    output.write({ timeMs: 0, wallTimeMs: 0, frames: [{ collector: 'vfs', frame: { charts: [{ chart: apps, values: new Map([['a', 1n], ['b', 2n]]) }] } }] });
    await reader.forceFlush();
    let points = exporter.getMetrics().at(-1)!.scopeMetrics[0]!.metrics[0]!.dataPoints;
    expect(points.map((p) => p.attributes)).toEqual([{ 'ebpf.app_group': 'a' }]);
    expect(warnings).toEqual(['otel output: ebpf.apps.vfs_open reached 1 attribute sets; new ones are dropped (raise maxSeriesPerInstrument)']);
    // Gone from the chart model: the callback observes it no more (a new provider sees nothing of it).
    output.write({ timeMs: 1, wallTimeMs: 1000, frames: [{ collector: 'vfs', frame: { charts: [], obsolete: ['apps.vfs_open'] } }] });
    const later = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const laterReader = new PeriodicExportingMetricReader({ exporter: later, exportIntervalMillis: 3_600_000 });
    const laterProvider = new MeterProvider({ readers: [laterReader] });
    providers.push(laterProvider);
    const again = createOtelOutput({ meterProvider: laterProvider });
    again.write({ timeMs: 0, wallTimeMs: 0, frames: [{ collector: 'vfs', frame: { charts: [{ chart: apps, values: new Map([['a', 1n]]) }] } }] });
    again.write({ timeMs: 1, wallTimeMs: 1000, frames: [{ collector: 'vfs', frame: { charts: [], obsolete: ['apps.vfs_open'] } }] });
    await laterReader.forceFlush();
    points = later.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((sm) => sm.metrics.flatMap((m) => m.dataPoints)));
    expect(points).toEqual([]);
  });

  it('uses the global MeterProvider when none is passed, and stops reporting once closed', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    providers.push(provider);
    const { metrics } = await import('@opentelemetry/api');
    metrics.setGlobalMeterProvider(provider);
    try {
      const output = createOtelOutput();
      output.write(recorded[0]!);
      await reader.forceFlush();
      const names = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name)));
      expect(names).toContain('ebpf.system.process_thread');
      await output.close();
    } finally {
      metrics.disable();
    }
  });
});
