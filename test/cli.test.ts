import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PLUGIN, pluginRunnableBy } from './plugin-harness.js';

function run(args: string[]) {
  return spawnSync(PLUGIN, args, { encoding: 'utf8', timeout: 30_000 });
}

describe('ebpf.plugin command line', () => {
  it('--help prints usage on stdout and exits 0', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ebpf\.plugin \d+\.\d+\.\d+/);
    expect(r.stdout).toContain('Usage: ebpf.plugin [UPDATE_EVERY] [options]');
    expect(r.stdout).toContain('--check');
  });

  it('--version prints the package version', () => {
    const r = run(['-version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^ebpf\.plugin \d+\.\d+\.\d+$/);
  });

  it('an unknown option exits 64 with a message on stderr and nothing on stdout', () => {
    const r = run(['--no-such-thing']);
    expect(r.status).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown option "--no-such-thing"');
  });

  it.each([
    [['1e9'], 'the update interval (first argument) must be a whole number'],
    [['1', '--update-every', '2147483648'], '--update-every must be a whole number of seconds > 0 and <= 2147483'],
    [['1', '--duration', '2147484'], '--duration must be a whole number of seconds > 0 and <= 2147483'],
    [['1', '--check=yes'], '--check takes no value'],
  ])('argv %j exits 64 with a message naming the flag, before anything runs', (argv, message) => {
    const r = run(argv);
    expect(r.status).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('TimeoutOverflowWarning');
  });

  it('a bad update interval exits 64', () => {
    const r = run(['--update-every', '0']);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('--update-every must be a whole number of seconds > 0');
  });
});

describe('ebpf.plugin internal charts', () => {
  it('NETDATA_INTERNALS_MONITORING=NO leaves out the netdata.ebpf_* charts, as Netdata does', () => {
    const withThem = spawnSync(PLUGIN, ['--update-every', '1', '--collectors', 'process', '--duration', '3'], { encoding: 'utf8', timeout: 30_000 });
    expect(withThem.status, withThem.stderr).toBe(0);
    expect(withThem.stdout).toContain('CHART netdata.ebpf_threads ');
    const without = spawnSync(PLUGIN, ['--update-every', '1', '--collectors', 'process', '--duration', '3'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, NETDATA_INTERNALS_MONITORING: 'NO' },
    });
    expect(without.status, without.stderr).toBe(0);
    expect(without.stdout).toContain('CHART system.process_thread ');
    expect(without.stdout).not.toContain('netdata.ebpf_');
  });
});

describe('ebpf.plugin privileges', () => {
  it('exits 3 with a one-line reason when not privileged', () => {
    // From a copy uid 65534 can read when the checkout is private (a clone in /root).
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', pluginRunnableBy(65534), '1'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/not privileged: running as uid 65534 without CAP_BPF and CAP_PERFMON/);
  });
});
