/**
 * Runs the real plugin as Netdata would and checks every line it printed
 * against the 1.37 agent's parser rules.
 */
import { createServer, connect, type Server } from 'node:net';
import { parseNetdataStream } from '@ebpf-collectors/test-utils';
import { describe, expect, it } from 'vitest';
import { ALL_COLLECTORS, makeConfigDir, startPlugin } from './plugin-harness.js';

/** Loopback TCP servers that echo what they get. */
async function echoServers(count: number): Promise<Server[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer((s) => s.pipe(s));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    }),
  );
}

/** One connection that sends `bytes` and reads them back. */
function exchange(port: number, bytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const c = connect({ host: '127.0.0.1', port }, () => c.write(Buffer.alloc(bytes, 1)));
    c.on('data', (d) => {
      got += d.length;
      if (got >= bytes) c.end();
    });
    c.on('close', () => resolve());
    c.on('error', reject);
  });
}

describe('plugins.d protocol conformance', () => {
  it('with every collector on at once, the plugin stdout is accepted line by line by a strict 1.37 parser', async () => {
    // The per-connection charts too, with loopback allowed: dimension ids like
    // `40001:TCP:127.0.0.1_sent`, added while the plugin runs.
    const configDir = makeConfigDir({
      programs: '    network connections = yes\n',
      files: { 'ebpf.d/network.conf': '[network connections]\n    ips = *\n    maximum dimensions = 500\n' },
    });
    const servers = await echoServers(3);
    const ports = servers.map((s) => (s.address() as { port: number }).port);
    const run = startPlugin(['1', '--config-dir', configDir]);
    // Loading every collector takes seconds on a busy machine: the traffic starts with the first data.
    const loadedBy = Date.now() + 90_000;
    while (!run.stdout().includes('\nBEGIN ') && Date.now() < loadedBy) await new Promise((r) => setTimeout(r, 100));
    // New destinations in different ticks: the charts are declared again with more dimensions.
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 400));
      await exchange(ports[i % ports.length]!, 4096);
    }
    // A few more ticks so the last destinations are charted, then a normal stop.
    await new Promise((r) => setTimeout(r, 3000));
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    for (const server of servers) server.close();
    expect(code, run.stderr()).toBe(0);
    const parsed = parseNetdataStream(run.stdout());
    expect(parsed.errors, JSON.stringify(parsed.errors.slice(0, 5), null, 2)).toEqual([]);
    // About one block per chart per second for 6 s: at least 3 ticks of the process charts.
    expect(parsed.blocks).toBeGreaterThanOrEqual(3 * 3);
    // One host chart of each collector at least.
    for (const id of [
      'system.process_thread',
      'system.exit',
      'system.process_status',
      'ip.tcp_functions',
      'ip.udp_functions',
      'filesystem.vfs_io',
      'filesystem.file_descriptor',
      'filesystem.ext4_read_latency',
      'system.hardirq_latency',
      'system.softirq_latency',
      'mem.file_sync',
      'mount_points.call',
      'system.shared_memory_calls',
    ]) {
      expect(parsed.charts.has(id), `${id} declared`).toBe(true);
    }
    const outbound = parsed.charts.get('ebpf.outbound_bytes');
    expect(outbound?.module).toBe('socket');
    for (const port of ports) expect([...(outbound?.dimensions.keys() ?? [])]).toContain(`${port}:TCP:127.0.0.1_sent`);
    expect(parsed.charts.has('ebpf.inbound_bytes')).toBe(true);
    // The plugin's own charts: every collector asked for runs, and their maps cost the kernel something.
    const last = (chart: string) => parsed.values.filter((b) => b.chart === chart).at(-1)?.values;
    expect(last('netdata.ebpf_threads')).toEqual(new Map([['total', BigInt(ALL_COLLECTORS.length)], ['running', BigInt(ALL_COLLECTORS.length)]]));
    expect(last('netdata.ebpf_kernel_memory')?.get('memory_locked')).toBeGreaterThan(0n);
    expect(last('netdata.ebpf_hash_tables_count')?.get('hash_table')).toBeGreaterThan(0n);
    const thread = parsed.charts.get('system.process_thread');
    expect(thread?.updateEvery).toBe(1);
    expect(thread?.plugin).toBe('ebpf.plugin');
    expect(thread?.module).toBe('process');
    // Nothing but protocol on stdout: logs went to stderr.
    for (const collector of ALL_COLLECTORS) {
      expect(run.stderr(), `${collector} started`).toMatch(new RegExp(`${collector}: running in \\w+ mode`));
    }
  });
});
