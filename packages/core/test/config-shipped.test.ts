import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  NETDATA_MODULES,
  NETDATA_STOCK_CONFIG_DIR,
  loadConfig,
  parseIni,
  resolveConfigDirs,
  shippedConfigDir,
} from '../src/config/index.js';

const empty = fileURLToPath(new URL('./fixtures/config/empty', import.meta.url));
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

describe('shipped default files', () => {
  it('live in the package config/ directory', () => {
    expect(shippedConfigDir()).toBe(join(packageRoot, 'config'));
    expect(existsSync(join(shippedConfigDir(), 'ebpf.d.conf'))).toBe(true);
    expect(existsSync(join(shippedConfigDir(), 'apps_groups.conf'))).toBe(true);
  });

  it('include a file for each of the 16 threads and the kernel reject list', () => {
    for (const m of NETDATA_MODULES) {
      expect(existsSync(join(shippedConfigDir(), 'ebpf.d', m.configFile)), m.configFile).toBe(true);
    }
    const reject = readFileSync(join(shippedConfigDir(), 'ebpf.d', 'ebpf_kernel_reject_list.txt'), 'utf8');
    expect(reject.split('\n').filter(Boolean)).toEqual(['Ubuntu 4.18.0']);
  });

  it('load without errors or warnings and give the values of Netdata 1.37.1 stock', async () => {
    const loaded = await loadConfig({ dirs: { user: empty, stock: shippedConfigDir() } });
    expect(loaded.errors).toEqual([]);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.files).toHaveLength(1 + NETDATA_MODULES.length);
    expect(loaded.global).toMatchObject({
      origin: 'stock',
      loadMode: 'entry',
      apps: true,
      cgroups: false,
      updateEvery: 5,
      pidTableSize: 32768,
      btfPath: '/sys/kernel/btf/',
      typeFormat: 'auto',
    });
    expect(loaded.networkConnections).toBe(false);

    const stockEnabled = NETDATA_MODULES.filter((m) => m.stockEnabled).map((m) => m.name);
    expect([...loaded.enabled]).toEqual(stockEnabled);
    expect(stockEnabled).toEqual(['process', 'socket', 'sync', 'vfs', 'mount', 'fd', 'hardirq', 'softirq', 'oomkill']);

    for (const config of loaded.collectors.values()) {
      expect(config, config.module).toMatchObject({
        loadMode: 'entry',
        updateEvery: 5,
        pidTableSize: 32768,
        typeFormat: 'auto',
        coreTracing: 'trampoline',
        cgroups: false,
        origin: 'stock',
        apps: config.enabled,
      });
    }
    expect(loaded.collectors.get('cachestat')?.collectPid).toBe('real parent');
    expect(loaded.collectors.get('dc')?.collectPid).toBe('real parent');
    expect(loaded.collectors.get('mdflush')?.collectPid).toBe('not set');
  });

  it('carry the thread-specific sections of network.conf, filesystem.conf, sync.conf and shm.conf', async () => {
    const loaded = await loadConfig({ dirs: { user: empty, stock: shippedConfigDir() } });
    const socket = loaded.collectors.get('socket');
    const value = (module: string, section: string, key: string): string | undefined =>
      loaded.collectors.get(module)?.sections.get(section)?.entries.get(key)?.value;
    expect(value('socket', 'global', 'bandwidth table size')).toBe('16384');
    expect(value('socket', 'global', 'udp connection table size')).toBe('4096');
    expect(value('socket', 'network connections', 'maximum dimensions')).toBe('50');
    expect(value('socket', 'network connections', 'ips')).toBe(
      '!127.0.0.1/8 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7 !::1/128',
    );
    expect(value('socket', 'service name', '19999')).toBe('Netdata');
    expect(socket?.sections.get('network connections')?.entries.size).toBe(6);
    for (const fs of ['btrfsdist', 'ext4dist', 'nfsdist', 'xfsdist', 'zfsdist']) expect(value('filesystem', 'filesystem', fs)).toBe('yes');
    for (const call of ['sync', 'msync', 'fsync', 'fdatasync', 'syncfs', 'sync_file_range']) expect(value('sync', 'syscalls', call)).toBe('yes');
    for (const call of ['shmget', 'shmat', 'shmdt', 'shmctl']) expect(value('shm', 'syscalls', call)).toBe('yes');
  });

  it('apps_groups.conf: netdata first, its plugins next, the stock group count and order', () => {
    const text = readFileSync(join(shippedConfigDir(), 'apps_groups.conf'), 'utf8');
    const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines).toHaveLength(179);
    expect(lines[0]).toBe('netdata: netdata');
    expect(lines[1]).toBe('apps.plugin: apps.plugin');
    expect(lines).toContain('ebpf.plugin: *ebpf.plugin*');
    expect(lines).toContain("aws-s3: '*aws s3*' s3cmd s5cmd");
    const groups = lines.map((l) => l.slice(0, l.indexOf(':')));
    expect(groups.indexOf('ssh')).toBeGreaterThan(groups.indexOf('sql'));
    expect(groups.at(-1)).toBe('filesync');
  });
});

describe('resolveConfigDirs', () => {
  const never = (): boolean => false;
  const always = (): boolean => true;

  it('--config-dir wins for the user dir, then NETDATA_USER_CONFIG_DIR, then /etc/netdata', () => {
    const env = { NETDATA_USER_CONFIG_DIR: '/env/user' };
    expect(resolveConfigDirs({ env, configDir: '/cli', isDirectory: never }).user).toBe('/cli');
    expect(resolveConfigDirs({ env, isDirectory: never }).user).toBe('/env/user');
    expect(resolveConfigDirs({ env: {}, isDirectory: never }).user).toBe('/etc/netdata');
    expect(resolveConfigDirs({ env: { NETDATA_USER_CONFIG_DIR: '' }, isDirectory: never }).user).toBe('/etc/netdata');
  });

  it('stock: NETDATA_STOCK_CONFIG_DIR, else Netdata\'s conf.d when present, else the shipped files', () => {
    expect(resolveConfigDirs({ env: { NETDATA_STOCK_CONFIG_DIR: '/env/stock' }, isDirectory: always }).stock).toBe('/env/stock');
    const seen: string[] = [];
    const installed = resolveConfigDirs({ env: {}, isDirectory: (p) => (seen.push(p), true) });
    expect(installed.stock).toBe(NETDATA_STOCK_CONFIG_DIR);
    expect(seen).toEqual(['/usr/lib/netdata/conf.d']);
    expect(resolveConfigDirs({ env: {}, isDirectory: never }).stock).toBe(shippedConfigDir());
  });

  it('checks the real filesystem by default', () => {
    const dirs = resolveConfigDirs({ env: {} });
    expect(dirs.stock).toBe(existsSync(NETDATA_STOCK_CONFIG_DIR) ? NETDATA_STOCK_CONFIG_DIR : shippedConfigDir());
  });
});

describe('shipped ebpf.d.conf parses cleanly as ini', () => {
  it('has [global] and [ebpf programs] with one key per thread plus network connections', () => {
    const path = join(shippedConfigDir(), 'ebpf.d.conf');
    const doc = parseIni(readFileSync(path, 'utf8'), path);
    expect(doc.errors).toEqual([]);
    const programs = doc.sections.get('ebpf programs');
    const keys = new Set(programs?.entries.keys());
    for (const m of NETDATA_MODULES) expect(keys.has(m.configKeys[0] ?? ''), m.name).toBe(true);
    expect(keys.has('network connections')).toBe(true);
    expect(keys.size).toBe(17);
  });
});
