import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import type { ChartDefinition, Logger, OutputFrame } from '@ebpf-collectors/core';
import { parseJsonFrame } from '@ebpf-collectors/output-json';
import promClient from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createPrometheusOutput, type PrometheusOutput } from '../src/index.js';

/** Three ticks of every collector recorded with `ebpf.plugin --output json` (the fixture of output-json). */
const recorded: OutputFrame[] = readFileSync(new URL('../../output-json/test/fixtures/all-collectors.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => parseJsonFrame(line));

function promtoolAvailable(): boolean {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

const apps = (groups: string[]): ChartDefinition => ({
  type: 'apps',
  id: 'process_create',
  title: 'Process started',
  units: 'calls/s',
  family: 'processes',
  context: '',
  chartType: 'stacked',
  priority: 1,
  updateEvery: 1,
  module: 'process',
  dimensions: groups.map((id) => ({ id, algorithm: 'absolute' as const })),
});

function tick(second: number, chart: ChartDefinition, values: Record<string, bigint>, obsolete?: string[]): OutputFrame {
  return {
    timeMs: second * 1000,
    wallTimeMs: second * 1000,
    frames: [{ collector: 'process', frame: { charts: [{ chart, values: new Map(Object.entries(values)) }], ...(obsolete ? { obsolete } : {}) } }],
  };
}

const opened: PrometheusOutput[] = [];
function output(options: Parameters<typeof createPrometheusOutput>[0]): PrometheusOutput {
  const created = createPrometheusOutput(options);
  opened.push(created);
  return created;
}
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

describe('the Prometheus output on recorded charts of every collector', () => {
  it('serves text that promtool accepts, with histograms, counters and labels', async () => {
    const out = output({});
    for (const frame of recorded) out.write(frame);
    const { contentType, body } = await out.scrape(false);
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(body).toContain('# TYPE ebpf_filesystem_ext4_read_latency_seconds histogram');
    expect(body).toMatch(/^ebpf_filesystem_ext4_read_latency_seconds_bucket\{le="0.000001"\} \d+$/m);
    expect(body).toMatch(/^ebpf_filesystem_ext4_read_latency_seconds_bucket\{le="\+Inf"\} \d+$/m);
    expect(body).toMatch(/^ebpf_filesystem_ext4_read_latency_seconds_count \d+$/m);
    expect(body).toMatch(/^ebpf_filesystem_vfs_io_bytes_total\{dimension="write"\} \d+$/m);
    expect(body).toMatch(/^ebpf_system_process_thread_total\{dimension="process"\} \d+$/m);
    expect(body).toMatch(/^ebpf_apps_vfs_write_bytes_total\{app_group="[^"]+"\} \d+$/m);
    expect(body).toMatch(/^ebpf_cgroup_vfs_write_bytes_total\{cgroup="[^"]+",dimension="write"\} \d+$/m);
    expect(body).toMatch(/^ebpf_system_softirq_latency_seconds_total\{dimension="TIMER"\} [\d.e-]+$/m);
    if (promtoolAvailable()) {
      // promtool exits non-zero on any parse error or lint problem.
      execFileSync('promtool', ['check', 'metrics'], { input: body });
    }
  });

  it('keeps buckets cumulative, and the count equal to the +Inf bucket', async () => {
    const out = output({});
    const frame = recorded[2]!;
    out.write(frame);
    const chart = frame.frames.flatMap((f) => f.frame.charts).find((c) => c.chart.type === 'filesystem' && c.chart.id === 'ext4_write_latency')!;
    const counts = chart.chart.dimensions.map((d) => Number(chart.values.get(d.id) ?? 0n));
    const body = (await out.scrape()).body;
    const buckets = [...body.matchAll(/^ebpf_filesystem_ext4_write_latency_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)].map((m) => Number(m[2]));
    expect(buckets).toHaveLength(24);
    expect(buckets).toEqual(counts.map((_, i) => counts.slice(0, i + 1).reduce((a, b) => a + b, 0)));
    expect(body).toContain(`ebpf_filesystem_ext4_write_latency_seconds_count ${buckets[23]}`);
  });

  it('serves OpenMetrics when the scraper asks for it', async () => {
    const out = output({ listen: { host: '127.0.0.1', port: 0 } });
    for (const frame of recorded) out.write(frame);
    const address = await out.listening();
    expect(address?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const om = await fetch(address!.url, { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' } });
    expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const text = await om.text();
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(text).toContain('# TYPE ebpf_system_process_thread counter\n');
    expect(text).toMatch(/^ebpf_system_process_thread_total\{dimension="process"\} \d+$/m);
    const plain = await fetch(address!.url);
    expect(plain.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await plain.text()).toContain('# TYPE ebpf_system_process_thread_total counter\n');
    expect((await fetch(address!.url.replace('/metrics', '/nope'))).status).toBe(404);
    expect((await fetch(address!.url, { method: 'HEAD' })).status).toBe(200);
  });
});

describe('series', () => {
  it('adds up per-interval values, and drops the series of groups and charts that went away', async () => {
    const out = output({});
    out.write(tick(1, apps(['sshd', 'cron']), { sshd: 2n, cron: 1n }));
    out.write(tick(2, apps(['sshd', 'cron']), { sshd: 3n, cron: 1n }));
    let body = (await out.scrape()).body;
    expect(body).toContain('ebpf_apps_process_create_total{app_group="sshd"} 5');
    expect(body).toContain('ebpf_apps_process_create_total{app_group="cron"} 2');
    out.write(tick(3, apps(['sshd']), { sshd: 1n }));
    body = (await out.scrape()).body;
    expect(body).toContain('ebpf_apps_process_create_total{app_group="sshd"} 6');
    expect(body).not.toContain('app_group="cron"');
    out.write({ timeMs: 4000, wallTimeMs: 4000, frames: [{ collector: 'process', frame: { charts: [], obsolete: ['apps.process_create'] } }] });
    expect((await out.scrape()).body).not.toContain('app_group="sshd"');
  });

  it('caps the series of one metric, counting and logging what it drops', async () => {
    const logger = recordingLogger();
    const out = output({ maxSeriesPerMetric: 2, logger });
    out.write(tick(1, apps(['a', 'b', 'c']), { a: 1n, b: 1n, c: 1n }));
    out.write(tick(2, apps(['a', 'b', 'c']), { a: 1n, b: 1n, c: 1n }));
    const body = (await out.scrape()).body;
    expect(body).toContain('app_group="a"');
    expect(body).toContain('app_group="b"');
    expect(body).not.toContain('app_group="c"');
    expect(body).toContain('ebpf_prometheus_series_dropped_total 2');
    expect(logger.lines.filter((l) => l.includes('reached 2 series'))).toHaveLength(1);
  });
});

describe('in-process use', () => {
  it('registers our metrics in the application\'s own prom-client registry, next to its own', async () => {
    const registry = new promClient.Registry();
    const requests = new promClient.Counter({ name: 'app_requests_total', help: 'Requests', registers: [registry] });
    requests.inc(3);
    const out = output({ registry });
    out.write(tick(1, apps(['sshd']), { sshd: 4n }));
    const text = await registry.metrics();
    expect(text).toContain('app_requests_total 3');
    expect(text).toContain('ebpf_apps_process_create_total{app_group="sshd"} 4');
    const json = await registry.getMetricsAsJSON();
    expect(json.find((m) => m.name === 'ebpf_apps_process_create_total')).toMatchObject({ type: 'counter', values: [{ value: 4 }] });
  });

  it('follows the content type of an OpenMetrics registry', async () => {
    const registry = new promClient.Registry<typeof promClient.openMetricsContentType>();
    registry.setContentType(promClient.openMetricsContentType);
    const out = output({ registry });
    out.write(tick(1, apps(['sshd']), { sshd: 4n }));
    const text = await registry.metrics();
    expect(text).toContain('# TYPE ebpf_apps_process_create counter');
    expect(text).toContain('ebpf_apps_process_create_total{app_group="sshd"} 4');
  });
});

describe('the endpoint when things go wrong', () => {
  it('logs a port in use, retries, and keeps taking values', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    const logger = recordingLogger();
    const out = output({ listen: { host: '127.0.0.1', port }, logger, retryListenSeconds: 0.2 });
    expect(await out.listening()).toBeUndefined();
    expect(logger.lines.join('\n')).toContain(
      `error: prometheus output: cannot listen on 127.0.0.1:${port}: the address is already in use (another exporter, or another ebpf.plugin?); choose another with --listen HOST:PORT; the other outputs keep running`,
    );
    out.write(tick(1, apps(['sshd']), { sshd: 1n }));
    expect((await out.scrape()).body).toContain('app_group="sshd"');
    // Once the port is free the endpoint comes up by itself.
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    const deadline = Date.now() + 5000;
    let served = '';
    while (Date.now() < deadline && served === '') {
      await new Promise((r) => setTimeout(r, 100));
      served = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
    }
    expect(served).toContain('app_group="sshd"');
  });

  it('survives scrapers that hang up or send garbage, and serves the next one', async () => {
    const logger = recordingLogger();
    const out = output({ listen: { host: '127.0.0.1', port: 0 }, logger });
    for (const frame of recorded) out.write(frame);
    const { port, url } = (await out.listening())!;
    const hangUp = (request: string) =>
      new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(request);
          socket.destroy();
          setTimeout(resolve, 50);
        });
        socket.on('error', () => resolve());
      });
    for (let i = 0; i < 5; i++) await hangUp('GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n');
    // Hung up halfway through the request: the endpoint says so.
    await hangUp('GET /metrics HTTP/1.1\r\nhost: x\r\n');
    await new Promise((r) => setTimeout(r, 100));
    expect(logger.lines.some((l) => l.startsWith('warn: prometheus output: a client closed its connection before its scrape request was complete'))).toBe(true);
    const garbage = await new Promise<string>((resolve) => {
      let reply = '';
      const socket = connect(port, '127.0.0.1', () => socket.write('NONSENSE\r\n\r\n'));
      socket.on('data', (d) => (reply += d.toString()));
      socket.on('close', () => resolve(reply));
    });
    expect(garbage).toContain('400 Bad Request');
    expect(logger.lines.some((l) => l.startsWith('warn: prometheus output: a client sent something that is not an HTTP request'))).toBe(true);
    out.write(recorded[0]!);
    const after = await fetch(url);
    expect(after.status).toBe(200);
    expect(await after.text()).toContain('ebpf_system_process_thread_total');
  });
});
