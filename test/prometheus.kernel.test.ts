/**
 * A real Prometheus (Debian's package) scrapes the real plugin's endpoint
 * while a workload runs; its HTTP API must show the workload's forks, bytes
 * and a latency histogram. Also: what the endpoint does when things go wrong
 * (a port in use, a bad --listen, a scraper hanging up) never stops the
 * other outputs, and --once snapshots.
 */
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findInPath, kernelTestSkipReason, parseNetdataStream } from '@ebpf-collectors/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { makeConfigDir, startPlugin, waitFor, type PluginRun } from './plugin-harness.js';

const skip = kernelTestSkipReason();

/** A free loopback TCP port (bound and released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function stopPlugin(run: PluginRun): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGTERM');
  return run.exited;
}

function plugin(args: string[]): PluginRun {
  const run = startPlugin(args);
  cleanups.push(async () => void (await stopPlugin(run)));
  return run;
}

/** Committed Netdata blocks on stdout so far. */
const netdataBlocks = (run: PluginRun): number => parseNetdataStream(run.stdout(), { keepValues: false }).blocks;

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(base: string, promql: string): Promise<Sample[]> {
  const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as { status: string; data: { result: Sample[] } };
  if (body.status !== 'success') throw new Error(`query ${promql}: ${JSON.stringify(body)}`);
  return body.data.result;
}

async function until<T>(what: string, get: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    try {
      last = await get();
      if (ok(last)) return last;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const single = (samples: Sample[]): number => (samples.length === 1 ? Number(samples[0]!.value[1]) : NaN);

/** The fenced blocks of `lang` in docs/fleet.md: the page shows what this test runs. */
function fleetDocBlocks(lang: string): string[] {
  const page = readFileSync(new URL('../docs/fleet.md', import.meta.url), 'utf8');
  return [...page.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

describe.skipIf(skip)('Prometheus scraping ebpf.plugin', () => {
  it('finds the workload\'s forks, bytes and a filesystem latency histogram, while Netdata gets its protocol', async () => {
    const prometheusBinary = findInPath('prometheus');
    expect(prometheusBinary, 'Debian\'s prometheus package (scripts/setup.sh installs it)').toBeDefined();
    const pluginPort = await freePort();
    const configDir = makeConfigDir();
    cleanups.push(() => rmSync(configDir, { recursive: true, force: true }));
    const run = plugin(['--config-dir', configDir, '--collectors', 'process,vfs,filesystem', '--output', 'netdata,prometheus', '--listen', `127.0.0.1:${pluginPort}`]);
    await waitFor(() => run.stderr().includes(`prometheus output: serving http://127.0.0.1:${pluginPort}/metrics`), 'the endpoint');

    // The first scrape config of docs/fleet.md, with the plugin's port.
    const promDir = mkdtempSync(join(tmpdir(), 'ebpfc-prometheus-'));
    cleanups.push(() => rmSync(promDir, { recursive: true, force: true }));
    const promPort = await freePort();
    const config = fleetDocBlocks('yaml')[0]!;
    expect(config).toContain("targets: ['127.0.0.1:9435']");
    writeFileSync(join(promDir, 'prometheus.yml'), config.replace('127.0.0.1:9435', `127.0.0.1:${pluginPort}`));
    execFileSync('promtool', ['check', 'config', join(promDir, 'prometheus.yml')], { stdio: 'pipe' });
    const prometheus: ChildProcess = spawn(
      prometheusBinary!,
      [`--config.file=${join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let promLog = '';
    prometheus.stderr!.setEncoding('utf8').on('data', (d: string) => (promLog += d));
    const promExited = new Promise((resolve) => prometheus.on('exit', resolve));
    cleanups.push(async () => {
      prometheus.kill('SIGTERM');
      await promExited;
    });
    const base = `http://127.0.0.1:${promPort}`;
    await until('prometheus to scrape the plugin', () => query(base, 'up{job="ebpf"}'), (s) => single(s) === 1).catch((error: Error) => {
      throw new Error(`${error.message}\n${promLog.slice(-2000)}`);
    });

    const forks = 'ebpf_system_process_thread_total{dimension="process"}';
    const written = 'ebpf_filesystem_vfs_io_bytes_total{dimension="write"}';
    const forksBefore = single(await until('the forks counter', () => query(base, forks), (s) => s.length === 1));
    const writtenBefore = single(await until('the bytes counter', () => query(base, written), (s) => s.length === 1));

    // The workload: 50 forks, 1 MiB written to ext4 (the root filesystem) with fsync.
    const FORKS = 50;
    const BYTES = 1024 * 1024;
    for (let i = 0; i < FORKS; i++) spawnSync('/bin/true');
    const scratch = mkdtempSync(join('/var/tmp', 'ebpfc-prom-'));
    cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
    const fd = openSync(join(scratch, 'data'), 'w');
    for (let i = 0; i < 16; i++) writeSync(fd, Buffer.alloc(BYTES / 16, i));
    fsyncSync(fd);
    closeSync(fd);

    await until('the forks in Prometheus', () => query(base, forks), (s) => single(s) >= forksBefore + FORKS);
    await until('the bytes in Prometheus', () => query(base, written), (s) => single(s) >= writtenBefore + BYTES);

    // The ext4 write latency histogram: 24 cumulative buckets with the power-of-two bounds, and _count.
    const buckets = await until(
      'the ext4 write histogram',
      () => query(base, 'ebpf_filesystem_ext4_write_latency_seconds_bucket'),
      (s) => s.length === 24 && s.some((b) => Number(b.value[1]) > 0),
    );
    const bounds = buckets.map((b) => b.metric['le']!).sort((a, b) => Number(a.replace('+Inf', 'Infinity')) - Number(b.replace('+Inf', 'Infinity')));
    expect(bounds).toEqual([...Array.from({ length: 23 }, (_, i) => String(2 ** i / 1e6)), '+Inf']);
    for (const bucket of buckets) expect(bucket.metric).toMatchObject({ job: 'ebpf', instance: `127.0.0.1:${pluginPort}` });
    const count = single(await query(base, 'ebpf_filesystem_ext4_write_latency_seconds_count'));
    const infinity = Number(buckets.find((b) => b.metric['le'] === '+Inf')!.value[1]);
    expect(count).toBeGreaterThan(0);
    expect(count).toBe(infinity);
    // App groups as labels.
    const apps = await query(base, 'ebpf_apps_process_create_total');
    expect(apps.length).toBeGreaterThan(0);
    for (const sample of apps) expect(sample.metric['app_group']).toBeTruthy();

    // The queries of docs/fleet.md answer, the p99 with a latency.
    const queries = fleetDocBlocks('promql')[0]!.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
    expect(queries).toHaveLength(3);
    await until('a forks rate', () => query(base, queries[0]!), (s) => s.length === 1 && Number(s[0]!.value[1]) > 0);
    await until('the busiest app groups', () => query(base, queries[1]!), (s) => s.length > 0);
    await until('an ext4 write p99', () => query(base, queries[2]!), (s) => s.length === 1 && Number(s[0]!.value[1]) > 0);

    // promtool lints what Prometheus scraped.
    const scraped = await (await fetch(`http://127.0.0.1:${pluginPort}/metrics`)).text();
    execFileSync('promtool', ['check', 'metrics'], { input: scraped, stdio: ['pipe', 'pipe', 'pipe'] });

    // Scrapers that hang up (after the request, halfway through it) change nothing for Prometheus or Netdata.
    for (const request of ['GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n', 'GET /metrics HTTP/1.1\r\nhost: x\r\n']) {
      await new Promise<void>((resolve) => {
        const socket = connect(pluginPort, '127.0.0.1', () => {
          socket.end(request);
          socket.destroy();
          resolve();
        });
        socket.on('error', () => resolve());
      });
    }
    const hungUpAt = Date.now() / 1000;
    const blocks = netdataBlocks(run);
    await until('a successful scrape after the hang-ups', () => query(base, 'timestamp(up{job="ebpf"} == 1)'), (s) => single(s) > hungUpAt + 0.5);
    await waitFor(() => netdataBlocks(run) > blocks, 'Netdata blocks after the hang-ups', 10_000);
    await waitFor(() => run.stderr().includes('prometheus output: a client closed its connection before its scrape request was complete'), 'the hang-up message', 5000);
    const parsed = parseNetdataStream(run.stdout(), { keepValues: false });
    expect(parsed.errors).toEqual([]);
    expect(await stopPlugin(run)).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('keeps Netdata and JSON going when the port is in use or --listen is bad; --once prints one snapshot', async () => {
    const configDir = makeConfigDir();
    cleanups.push(() => rmSync(configDir, { recursive: true, force: true }));
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const taken = (blocker.address() as AddressInfo).port;
    const common = ['--config-dir', configDir, '--collectors', 'process'];

    const inUse = plugin([...common, '--output', 'netdata,prometheus', '--listen', `127.0.0.1:${taken}`]);
    const badListen = plugin([...common, '--output', 'json,prometheus', '--listen', '127.0.0.1:99999']);
    const once = plugin([...common, '--output', 'json', '--once']);
    const onceTerminal = plugin([...common, '--output', 'terminal', '--once']);

    await waitFor(() => inUse.stderr().includes(`prometheus output: cannot listen on 127.0.0.1:${taken}: the address is already in use`), 'the port-in-use message');
    expect(inUse.stderr()).toContain('choose another with --listen HOST:PORT; the other outputs keep running');
    await waitFor(() => netdataBlocks(inUse) >= 3, 'Netdata blocks with the port in use', 15_000);

    await waitFor(() => badListen.stderr().includes('--listen: "127.0.0.1:99999" is not a listen address: the port "99999" is not a number from 0 to 65535'), 'the bad --listen message');
    await waitFor(() => badListen.stdout().split('\n').filter(Boolean).length >= 2, 'JSON lines with a bad --listen', 15_000);
    for (const line of badListen.stdout().trim().split('\n')) expect(JSON.parse(line)).toMatchObject({ schema: 1 });

    expect(await once.exited).toEqual({ code: 0, signal: null });
    const onceLines = once.stdout().trim().split('\n');
    expect(onceLines).toHaveLength(1);
    const snapshot = JSON.parse(onceLines[0]!) as { charts: Array<{ id: string; dimensions: Array<{ display: number | null }> }> };
    // The second interval: rates are known.
    expect(snapshot.charts.find((c) => c.id === 'system.process_thread')!.dimensions.every((d) => d.display !== null)).toBe(true);
    expect(await onceTerminal.exited).toEqual({ code: 0, signal: null });
    expect(onceTerminal.stdout()).toContain('system.process_thread');
    expect(onceTerminal.stdout()).not.toContain('\u001b['); // a snapshot, not a screen redraw

    expect(await stopPlugin(inUse)).toEqual({ code: 0, signal: null });
    expect(await stopPlugin(badListen)).toEqual({ code: 0, signal: null });

    // Alone, a bad --listen is a bad command line.
    const alone = plugin([...common, '--output', 'prometheus', '--listen', 'no such host:1']);
    expect(await alone.exited).toEqual({ code: 64, signal: null });
    expect(alone.stderr()).toContain('--listen: "no such host:1" is not a listen address');
  }, 60_000);
});
