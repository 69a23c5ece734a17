/**
 * Runs the real plugin as Netdata would and checks every line it printed
 * against the 1.37 agent's parser rules.
 */
import { parseNetdataStream } from '@ebpf-collectors/test-utils';
import { describe, expect, it } from 'vitest';
import { ALL_COLLECTORS, makeConfigDir, startPlugin } from './plugin-harness.js';

describe('plugins.d protocol conformance', () => {
  it('with every collector on at once, the plugin stdout is accepted line by line by a strict 1.37 parser', async () => {
    const configDir = makeConfigDir();
    const run = startPlugin(['1', '--config-dir', configDir, '--duration', '5']);
    const { code } = await run.exited;
    expect(code, run.stderr()).toBe(0);
    const parsed = parseNetdataStream(run.stdout());
    expect(parsed.errors, JSON.stringify(parsed.errors.slice(0, 5), null, 2)).toEqual([]);
    // About one block per chart per second for 5 s: at least 3 ticks of the process charts.
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
    ]) {
      expect(parsed.charts.has(id), `${id} declared`).toBe(true);
    }
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
