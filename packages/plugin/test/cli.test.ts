import { describe, expect, it } from 'vitest';
import { parseArguments, UsageError } from '../src/cli.js';
import { checkPrivileges, effectiveCapabilities } from '../src/privileges.js';

describe('parseArguments', () => {
  it('takes Netdata\'s leading update interval as the config fallback and its thread flags', () => {
    const args = parseArguments(['5', '--process', '-net', '--return']);
    expect(args.updateEveryArg).toBe(5);
    expect(args.updateEvery).toBeUndefined();
    expect(args.netdata).toEqual({ threads: ['process', 'net'], returnMode: true });
  });

  it('parses our own options with separate or inline values', () => {
    const args = parseArguments(['--collectors', 'process,vfs', '--mode=probe', '--self-test', '--scale', '0.25', '--json', '--update-every', '2']);
    expect(args.collectors).toEqual(['process', 'vfs']);
    expect(args.mode).toBe('probe');
    expect(args.selfTest).toBe(true);
    expect(args.scale).toBe(0.25);
    expect(args.json).toBe(true);
    expect(args.updateEvery).toBe(2);
  });

  it('accepts what Netdata passes: a plain leading interval, with or without thread flags', () => {
    expect(parseArguments(['1']).updateEveryArg).toBe(1);
    expect(parseArguments(['10', '--global']).updateEveryArg).toBe(10);
    expect(parseArguments(['2147483']).updateEveryArg).toBe(2147483);
    expect(parseArguments(['--update-every', '2147483', '--duration', '2147483'])).toMatchObject({ updateEvery: 2147483, durationSeconds: 2147483 });
    expect(parseArguments(['--check', '--json']).check).toBe(true);
  });

  it('takes several outputs, repeated or comma-separated, with at most one on stdout', () => {
    expect(parseArguments([]).outputs).toEqual(['auto']);
    expect(parseArguments(['--output', 'netdata,prometheus', '--listen', '127.0.0.1:9500']).outputs).toEqual(['netdata', 'prometheus']);
    expect(parseArguments(['--output=prometheus', '--output', 'json', '--output', 'prometheus']).outputs).toEqual(['prometheus', 'json']);
    expect(parseArguments(['--output', 'prometheus', '--listen', 'not a host']).listen).toBe('not a host');
    expect(parseArguments(['--output', 'terminal', '--once']).once).toBe(true);
    expect(parseArguments(['--once']).outputs).toEqual(['auto']);
  });

  it.each([
    [['--mode', 'kprobe'], '--mode must be one of auto, trampoline, probe, tracepoint, legacy'],
    [['--scale', '0'], '--scale must be a number > 0'],
    [['--update-every', 'x'], '--update-every must be a whole number of seconds > 0'],
    [['--output', 'html'], '--output must be auto, netdata, terminal, json or prometheus'],
    [['--output', 'netdata,json'], 'netdata and json would all write to stdout'],
    [['--output', 'terminal', '--output', 'netdata'], 'keep one of netdata, terminal, json'],
    [['--output', 'prometheus,auto,json'], 'auto and json would all write to stdout'],
    [['--listen', ':9435'], '--listen is the address of the Prometheus endpoint: add --output prometheus'],
    [['--output', 'prometheus', '--listen'], '--listen needs HOST:PORT'],
    [['--once', '--output', 'netdata'], '--once prints one snapshot on stdout: use it with --output terminal or --output json'],
    [['--collectors'], '--collectors needs a comma-separated list'],
    [['--bogus'], 'unknown option "--bogus"'],
    [['stray'], 'unexpected argument "stray"'],
    // Numbers Netdata never passes: only decimal digits, within what a timer can wait.
    [['1e9'], 'the update interval (first argument) must be a whole number of seconds > 0 and <= 2147483, written in digits, not "1e9"'],
    [['1.5'], 'the update interval (first argument) must be a whole number'],
    [['0x10'], 'the update interval (first argument) must be a whole number'],
    [['0'], 'the update interval (first argument) must be a whole number'],
    [['+5'], 'the update interval (first argument) must be a whole number'],
    [['99999999999999999999'], 'not "99999999999999999999"'],
    [['5abc'], 'not "5abc"'],
    [['--update-every', '2147483648'], '--update-every must be a whole number of seconds > 0 and <= 2147483'],
    [['--update-every', '1e3'], '--update-every must be a whole number'],
    [['--update-every', ' 5'], '--update-every must be a whole number'],
    [['--update-every'], '--update-every needs a value'],
    [['--duration', '2147484'], '--duration must be a whole number of seconds > 0 and <= 2147483'],
    [['--duration=0x10'], '--duration must be a whole number'],
    [['--duration', '-1'], '--duration must be a whole number'],
    [['--check=yes'], '--check takes no value (got "--check=yes")'],
    [['-json=1'], '-json takes no value'],
    [['--once='], '--once takes no value'],
    [['--self-test=no'], '--self-test takes no value'],
    [['--scale', '0x10'], '--scale must be a number > 0 and <= 100 written in decimal'],
    [['--scale', '1e1'], 'written in decimal, not "1e1"'],
    [['--process=yes'], 'unknown option "--process=yes"'],
    [['--update-every', '1\u001b[2J'], 'not "1\\u001b[2J"'],
    [[`--${'x'.repeat(5000)}`], 'unknown option "--xxxxxxxx'],
  ])('rejects %j with a UsageError naming the fix', (argv, message) => {
    expect(() => parseArguments(argv)).toThrow(UsageError);
    expect(() => parseArguments(argv)).toThrow(message);
  });
});

describe('checkPrivileges', () => {
  const bit = (n: number) => 1n << BigInt(n);

  it('accepts root, CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON', () => {
    expect(checkPrivileges(0, bit(21)).ok).toBe(true);
    expect(checkPrivileges(1000, bit(21)).ok).toBe(true);
    expect(checkPrivileges(1000, bit(39) | bit(38))).toEqual({ ok: true, detail: 'CAP_BPF + CAP_PERFMON' });
  });

  it('names what is missing otherwise', () => {
    expect(checkPrivileges(1000, bit(39))).toEqual({ ok: false, detail: 'running as uid 1000 without CAP_PERFMON' });
    expect(checkPrivileges(0, 0n).detail).toContain('running as root but without CAP_BPF and CAP_PERFMON');
  });

  it('reads the effective set from /proc/self/status text', () => {
    expect(effectiveCapabilities('Name:\tx\nCapEff:\t000001c000000000\n')).toBe(bit(38) | bit(39) | bit(40));
    expect(effectiveCapabilities('Name:\tx\n')).toBe(0n);
  });
});
