import { describe, expect, it } from 'vitest';
import type { CollectorDefinition } from '../src/types.js';
import {
  NETDATA_MODULES,
  NETWORK_CONNECTIONS_KEYS,
  findModule,
  parseNetdataArgs,
} from '../src/config/index.js';
import type { ModuleConfigSpec } from '../src/config/index.js';

describe('NETDATA_MODULES', () => {
  it('lists the 16 threads of 1.37.1 in thread order', () => {
    expect(NETDATA_MODULES.map((m) => m.name)).toEqual([
      'process', 'socket', 'cachestat', 'sync', 'dc', 'swap', 'vfs', 'filesystem',
      'disk', 'mount', 'fd', 'hardirq', 'softirq', 'oomkill', 'shm', 'mdflush',
    ]);
    expect(NETDATA_MODULES.map((m) => m.index)).toEqual([...Array(16).keys()]);
  });

  it('has the config keys, files, flags and chart modules that differ from the thread name', () => {
    expect(findModule('socket')).toMatchObject({ configKeys: ['socket', 'network viewer'], configFile: 'network.conf', cliFlag: 'net' });
    expect(findModule('dc')).toMatchObject({ configKeys: ['dcstat'], configFile: 'dcstat.conf', cliFlag: 'dcstat', chartModule: 'dcstat' });
    expect(findModule('fd')).toMatchObject({ configKeys: ['fd'], configFile: 'fd.conf', cliFlag: 'filedescriptor', chartModule: 'filedescriptor' });
    expect(NETWORK_CONNECTIONS_KEYS).toEqual(['network connections', 'network connection monitoring']);
  });

  it('keeps the code defaults (shm is on without its key, socket and vfs are not) apart from the stock file', () => {
    const on = NETDATA_MODULES.filter((m) => m.enabledByDefault).map((m) => m.name);
    expect(on).toEqual(['process', 'sync', 'mount', 'fd', 'hardirq', 'softirq', 'oomkill', 'shm']);
    const stock = NETDATA_MODULES.filter((m) => m.stockEnabled).map((m) => m.name);
    expect(stock).toEqual(['process', 'socket', 'sync', 'vfs', 'mount', 'fd', 'hardirq', 'softirq', 'oomkill']);
  });

  it('has the apps level per thread', () => {
    const notSet = NETDATA_MODULES.filter((m) => m.defaultCollectPid === 'not set').map((m) => m.name);
    expect(notSet).toEqual(['sync', 'filesystem', 'disk', 'mount', 'hardirq', 'softirq', 'mdflush']);
    for (const m of NETDATA_MODULES) expect(['real parent', 'not set']).toContain(m.defaultCollectPid);
  });

  it('finds a module by name, config key, CLI flag or chart module', () => {
    expect(findModule('network viewer')?.name).toBe('socket');
    expect(findModule('net')?.name).toBe('socket');
    expect(findModule('filedescriptor')?.name).toBe('fd');
    expect(findModule('dcstat')?.name).toBe('dc');
    expect(findModule('nope')).toBeUndefined();
  });

  it('is frozen', () => {
    expect(Object.isFrozen(NETDATA_MODULES)).toBe(true);
    expect(Object.isFrozen(NETDATA_MODULES[0])).toBe(true);
  });

  it('accepts a CollectorDefinition where a ModuleConfigSpec is expected (type-level)', () => {
    const definition = {} as CollectorDefinition;
    const spec: ModuleConfigSpec = definition;
    expect(spec).toBe(definition);
  });
});

describe('parseNetdataArgs', () => {
  it('takes a leading positive number as update every', () => {
    expect(parseNetdataArgs(['5']).updateEvery).toBe(5);
    expect(parseNetdataArgs(['0']).updateEvery).toBeUndefined();
    expect(parseNetdataArgs(['7s']).updateEvery).toBe(7);
    // Only the first argument is the frequency.
    const later = parseNetdataArgs(['--process', '5']);
    expect(later.updateEvery).toBeUndefined();
    expect(later.rest).toEqual(['5']);
  });

  it('accepts one or two dashes and maps the switches', () => {
    const args = parseNetdataArgs(['1', '-return', '--global', '-all', '--legacy', '-core', '--net', '-process', '--net']);
    expect(args.updateEvery).toBe(1);
    expect(args.cli).toEqual({ returnMode: true, global: true, all: true, typeFormat: 'co-re', threads: ['net', 'process'] });
  });

  it('reports help and version and leaves unknown arguments to the caller, in order', () => {
    const args = parseNetdataArgs(['--help', '--config-dir', '/tmp/x', '-version', '--check']);
    expect(args).toMatchObject({ help: true, version: true, rest: ['--config-dir', '/tmp/x', '--check'] });
    expect(args.cli).toEqual({});
  });

  it('knows the thread flags of the module list it is given', () => {
    expect(parseNetdataArgs(['--filedescriptor']).cli.threads).toEqual(['filedescriptor']);
    expect(parseNetdataArgs(['--fd']).rest).toEqual(['--fd']);
    const custom = [{ name: 'foo', configKeys: ['foo'], configFile: 'foo.conf', cliFlag: 'foo', enabledByDefault: false, defaultCollectPid: 'all' as const }];
    expect(parseNetdataArgs(['--foo', '--process'], custom)).toMatchObject({ cli: { threads: ['foo'] }, rest: ['--process'] });
  });
});
