import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CollectorConfig } from '../src/types.js';
import {
  NETDATA_MODULES,
  describeConfig,
  effectiveAppsCgroups,
  loadConfig,
  shippedConfigDir,
} from '../src/config/index.js';
import type { LoadedConfig } from '../src/config/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/config/', import.meta.url));
const fx = (path: string): string => `${fixtures}${path}`;
const empty = fx('empty');

function collector(loaded: LoadedConfig, name: string): CollectorConfig {
  const config = loaded.collectors.get(name);
  if (!config) throw new Error(`no config for ${name}`);
  return config;
}

describe('loadConfig: built-in defaults (no file anywhere)', () => {
  it('uses Netdata code defaults: entry, 10 s, 32768, auto, trampoline, per-module collect pid and enablement', async () => {
    const loaded = await loadConfig({ dirs: { user: empty, stock: empty } });
    expect(loaded.errors).toEqual([]);
    expect(loaded.files).toEqual([]);
    expect(loaded.global).toMatchObject({
      origin: 'default',
      loadMode: 'entry',
      updateEvery: 10,
      pidTableSize: 32768,
      typeFormat: 'auto',
      btfPath: '/sys/kernel/btf/',
      apps: true,
      cgroups: false,
    });
    const codeDefaults = NETDATA_MODULES.filter((m) => m.enabledByDefault).map((m) => m.name);
    expect([...loaded.enabled]).toEqual(codeDefaults);
    expect(codeDefaults).toEqual(['process', 'sync', 'mount', 'fd', 'hardirq', 'softirq', 'oomkill', 'shm']);
    const process = collector(loaded, 'process');
    expect(process).toMatchObject({
      enabled: true,
      apps: true,
      cgroups: false,
      coreTracing: 'trampoline',
      collectPid: 'real parent',
      mapsPerCore: true,
      lifetime: 300,
      origin: 'default',
    });
    expect(collector(loaded, 'sync').collectPid).toBe('not set');
    // A thread that is not enabled never had apps switched on.
    expect(collector(loaded, 'vfs')).toMatchObject({ enabled: false, apps: false });
  });

  it('takes argv[1] as update every when no file sets it, and ignores zero', async () => {
    const withArg = await loadConfig({ dirs: { user: empty, stock: empty }, updateEveryArg: 3 });
    expect(collector(withArg, 'process').updateEvery).toBe(3);
    expect(withArg.sources.get('process')?.updateEvery).toBe('argv[1]');
    const zero = await loadConfig({ dirs: { user: empty, stock: empty }, updateEveryArg: 0 });
    expect(collector(zero, 'process').updateEvery).toBe(10);
  });

  it('lets ebpf.d.conf win over argv[1], as Netdata does', async () => {
    const loaded = await loadConfig({ dirs: { user: fx('layering/user'), stock: empty }, updateEveryArg: 4 });
    expect(loaded.global.updateEvery).toBe(2);
    expect(collector(loaded, 'vfs').updateEvery).toBe(2);
  });
});

describe('loadConfig: layering (user vs stock, per-key override)', () => {
  const load = (): Promise<LoadedConfig> =>
    loadConfig({ dirs: { user: fx('layering/user'), stock: fx('layering/stock') } });

  it("reads the user's ebpf.d.conf and never the stock one", async () => {
    const loaded = await load();
    expect(loaded.errors).toEqual([]);
    expect(loaded.global).toMatchObject({
      origin: 'user',
      file: fx('layering/user/ebpf.d.conf'),
      loadMode: 'return',
      updateEvery: 2,
      pidTableSize: 1024,
      typeFormat: 'legacy',
      apps: true,
      cgroups: true,
    });
    expect(loaded.files.map((f) => f.path)).not.toContain(fx('layering/stock/ebpf.d.conf'));
  });

  it('enables exactly the threads [ebpf programs] says yes to, with code defaults for absent keys', async () => {
    const loaded = await load();
    expect([...loaded.enabled].sort()).toEqual(['cachestat', 'process', 'vfs']);
    expect(loaded.networkConnections).toBe(false);
  });

  it('copies global values into every module, and a module file overrides key by key', async () => {
    const loaded = await load();
    const process = collector(loaded, 'process');
    // Set in process.conf:
    expect(process.updateEvery).toBe(7);
    expect(process.collectPid).toBe('all');
    // Commented in process.conf, so inherited from ebpf.d.conf:
    expect(process.loadMode).toBe('return');
    expect(process.pidTableSize).toBe(1024);
    expect(process.typeFormat).toBe('legacy');
    expect(process.apps).toBe(true);
    expect(process.cgroups).toBe(true);
    expect(loaded.sources.get('process')).toMatchObject({
      updateEvery: `${fx('layering/user/ebpf.d/process.conf')}:4`,
      loadMode: `${fx('layering/user/ebpf.d.conf')}:3`,
    });
  });

  it('prefers the user module file and falls back to the stock one per file', async () => {
    const loaded = await load();
    // User process.conf (7) wins over stock process.conf (98).
    expect(collector(loaded, 'process').updateEvery).toBe(7);
    // No user vfs.conf: the stock one is read.
    const vfs = collector(loaded, 'vfs');
    expect(vfs.updateEvery).toBe(3);
    expect(vfs.coreTracing).toBe('tracepoint');
    expect(loaded.moduleFiles.get('vfs')).toEqual({ path: fx('layering/stock/ebpf.d/vfs.conf'), origin: 'user' });
    expect(loaded.files).toEqual([
      { path: fx('layering/user/ebpf.d.conf'), origin: 'user' },
      { path: fx('layering/user/ebpf.d/process.conf'), origin: 'user' },
      { path: fx('layering/user/ebpf.d/cachestat.conf'), origin: 'user' },
      { path: fx('layering/stock/ebpf.d/vfs.conf'), origin: 'user' },
    ]);
  });

  it('lets a module file switch apps off for that thread alone', async () => {
    const loaded = await load();
    expect(collector(loaded, 'cachestat')).toMatchObject({ apps: false, cgroups: true, coreTracing: 'probe' });
    expect(collector(loaded, 'vfs').apps).toBe(true);
  });

  it("keeps the module file's other sections (and [global]) raw for the collector", async () => {
    const loaded = await load();
    const vfs = collector(loaded, 'vfs');
    expect(vfs.sections.get('extra')?.entries.get('answer')).toMatchObject({ value: '42', line: 7 });
    expect(vfs.sections.has('global')).toBe(true);
    expect(collector(loaded, 'swap').sections.size).toBe(0);
  });

  it('a file in the user dir makes the module "user"; a stock file inherits the origin of ebpf.d.conf', async () => {
    const userGlobal = await load();
    for (const config of userGlobal.collectors.values()) expect(config.origin).toBe('user');

    const stockOnly = await loadConfig({ dirs: { user: empty, stock: shippedConfigDir() } });
    expect(stockOnly.global.origin).toBe('stock');
    for (const config of stockOnly.collectors.values()) expect(config.origin).toBe('stock');

    const oneUserFile = await loadConfig({ dirs: { user: fx('user-thread-only/user'), stock: shippedConfigDir() } });
    expect(collector(oneUserFile, 'process')).toMatchObject({ origin: 'user', apps: true });
    expect(collector(oneUserFile, 'socket').origin).toBe('stock');
  });
});

describe('loadConfig: ebpf.d.conf vetoes apps and cgroups', () => {
  it('global cgroups = no (the default) cannot be undone by a module file', async () => {
    const loaded = await loadConfig({ dirs: { user: fx('user-thread-only/user'), stock: shippedConfigDir() } });
    // process.conf says cgroups = yes, ebpf.d.conf (stock) says cgroups = no.
    expect(collector(loaded, 'process').cgroups).toBe(false);
    expect(loaded.sources.get('process')?.cgroups).toMatch(/ebpf\.d\.conf:\d+$/);
  });

  it('--all lifts the veto so the module file value stands', async () => {
    const loaded = await loadConfig({
      dirs: { user: fx('user-thread-only/user'), stock: shippedConfigDir() },
      cli: { all: true },
    });
    expect(collector(loaded, 'process').cgroups).toBe(true);
    expect(loaded.global.cgroups).toBe(true);
  });
});

describe('loadConfig: compatibility names', () => {
  it('reads the legacy ebpf.conf, "load", "disable apps", "network viewer" and "network connection monitoring"', async () => {
    const loaded = await loadConfig({ dirs: { user: fx('legacy/user'), stock: empty } });
    expect(loaded.errors).toEqual([]);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.files).toEqual([{ path: fx('legacy/user/ebpf.conf'), origin: 'user' }]);
    expect(loaded.global).toMatchObject({ loadMode: 'return', apps: false, cgroups: true, origin: 'user' });
    expect([...loaded.enabled]).toEqual(['socket']);
    expect(loaded.networkConnections).toBe(true);
    // Every collector's config carries it: the socket collector reads it from its own.
    expect(collector(loaded, 'socket').networkConnections).toBe(true);
    expect(collector(loaded, 'process').networkConnections).toBe(true);
    expect(collector(loaded, 'socket')).toMatchObject({ enabled: true, loadMode: 'return', apps: false, cgroups: true });
  });

  it('"load" wins over "ebpf load mode" and "disable apps = yes" wins over "apps = yes", with warnings', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'config-compat-'));
    try {
      await writeFile(
        join(dir, 'ebpf.d.conf'),
        '[global]\n  ebpf load mode = entry\n  load = return\n  apps = yes\n  disable apps = yes\n',
      );
      const loaded = await loadConfig({ dirs: { user: dir, stock: empty } });
      expect(loaded.global.loadMode).toBe('return');
      expect(loaded.global.apps).toBe(false);
      expect(loaded.warnings).toEqual([
        expect.stringContaining(`${join(dir, 'ebpf.d.conf')}:3: [global] both "load" (old name) and "ebpf load mode" (line 2)`),
        expect.stringContaining(`${join(dir, 'ebpf.d.conf')}:4: [global] "apps = yes" has no effect`),
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('honours per-thread keys given in ebpf.d.conf as defaults; collect pid only for threads with a PID table', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'config-ext-'));
    try {
      await writeFile(
        join(dir, 'ebpf.d.conf'),
        '[global]\n  collect pid = all\n  ebpf co-re tracing = probe\n  maps per core = no\n  lifetime = 60\n  disable apps = sure\n',
      );
      const loaded = await loadConfig({ dirs: { user: dir, stock: empty } });
      expect(collector(loaded, 'process')).toMatchObject({ collectPid: 'all', coreTracing: 'probe', mapsPerCore: false, lifetime: 60 });
      expect(collector(loaded, 'sync')).toMatchObject({ collectPid: 'not set', coreTracing: 'probe' });
      // A bad "disable apps" is reported and "apps" (absent: yes) decides.
      expect(loaded.errors).toHaveLength(1);
      expect(loaded.errors[0]?.message).toBe(
        `${join(dir, 'ebpf.d.conf')}:6: [global] "disable apps" = "sure" is not valid; accepted: yes, no, true, false, on, off, auto, on demand. The line is ignored and "apps" decides.`,
      );
      expect(loaded.global.apps).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('enables every thread when [ebpf programs] enables none', async () => {
    const loaded = await loadConfig({ dirs: { user: fx('nothing-enabled/user'), stock: empty } });
    expect([...loaded.enabled]).toEqual(NETDATA_MODULES.map((m) => m.name));
    expect(loaded.warnings).toEqual([expect.stringContaining('enables no thread, so every thread is enabled')]);
    expect(collector(loaded, 'mdflush')).toMatchObject({ enabled: true, apps: true, updateEvery: 1 });
  });
});

describe('loadConfig: command line', () => {
  const dirs = { user: fx('layering/user'), stock: fx('layering/stock') };

  it('--return and --legacy/--core override every module, whatever the files say', async () => {
    const loaded = await loadConfig({ dirs: { user: empty, stock: shippedConfigDir() }, cli: { returnMode: true, typeFormat: 'co-re' } });
    for (const config of loaded.collectors.values()) {
      expect(config.loadMode).toBe('return');
      expect(config.typeFormat).toBe('co-re');
    }
    expect(loaded.sources.get('fd')).toMatchObject({ loadMode: '--return', typeFormat: '--core' });
    expect(loaded.global).toMatchObject({ loadMode: 'return', typeFormat: 'co-re' });
  });

  it('--global turns apps and cgroups off everywhere and wins over --all', async () => {
    const loaded = await loadConfig({ dirs, cli: { global: true, all: true } });
    for (const config of loaded.collectors.values()) {
      expect(config.apps).toBe(false);
      expect(config.cgroups).toBe(false);
    }
    expect(loaded.global).toMatchObject({ apps: false, cgroups: false });
    expect(loaded.sources.get('process')?.apps).toBe('--global');
  });

  it('thread flags disable every thread not named and enable the named ones', async () => {
    const loaded = await loadConfig({ dirs, cli: { threads: ['net', 'filedescriptor'] } });
    expect([...loaded.enabled].sort()).toEqual(['fd', 'socket']);
    // Enabled from the command line, with apps/cgroups since ebpf.d.conf allows them.
    expect(collector(loaded, 'socket')).toMatchObject({ enabled: true, apps: true, cgroups: true });
    expect(collector(loaded, 'process').enabled).toBe(false);
  });

  it('a thread flag gives oomkill apps charts even under apps = no, as Netdata does', async () => {
    const loaded = await loadConfig({ dirs: { user: fx('legacy/user'), stock: empty }, cli: { threads: ['oomkill', 'process'] } });
    expect(collector(loaded, 'oomkill').apps).toBe(true);
    expect(collector(loaded, 'process').apps).toBe(false);
  });

  it('warns about a thread flag no module has and then ignores it', async () => {
    const loaded = await loadConfig({ dirs, cli: { threads: ['nope'] } });
    expect(loaded.warnings).toContain('--nope: no such thread flag; ignored');
    expect([...loaded.enabled].sort()).toEqual(['cachestat', 'process', 'vfs']);
  });
});

describe('loadConfig: third-party modules', () => {
  it('configures a module outside the Netdata table from its own keys and file', async () => {
    const loaded = await loadConfig({
      dirs: { user: fx('layering/user'), stock: empty },
      modules: [
        { name: 'foo', configKeys: ['foo'], configFile: 'foo.conf', cliFlag: 'foo', enabledByDefault: true, defaultCollectPid: 'all' },
      ],
    });
    expect(loaded.collectors.get('foo')).toMatchObject({ enabled: true, updateEvery: 2, collectPid: 'all', origin: 'user' });
    // The Netdata keys of this ebpf.d.conf are unknown to this module list.
    expect(loaded.warnings.some((w) => w.includes('unknown key "process"'))).toBe(true);
  });
});

describe('effectiveAppsCgroups', () => {
  const base = (origin: CollectorConfig['origin']): CollectorConfig => ({
    module: 'vfs',
    enabled: true,
    loadMode: 'entry',
    apps: true,
    cgroups: true,
    updateEvery: 5,
    pidTableSize: 32768,
    typeFormat: 'auto',
    coreTracing: 'trampoline',
    collectPid: 'real parent',
    mapsPerCore: true,
    lifetime: 300,
    btfPath: '/sys/kernel/btf/',
    origin,
    sections: new Map(),
  });

  it('switches apps and cgroups off for a stock configuration on kprobes, with a reason', () => {
    const decision = effectiveAppsCgroups(base('stock'), 'probe');
    expect(decision.apps).toBe(false);
    expect(decision.cgroups).toBe(false);
    expect(decision.reason).toContain('attached with kprobes');
    expect(decision.reason).toContain('ebpf.d/vfs.conf');
  });

  it('keeps them with trampolines and tracepoints (no kprobe on release_task), or when the configuration is the user\'s or built-in', () => {
    expect(effectiveAppsCgroups(base('stock'), 'trampoline')).toEqual({ apps: true, cgroups: true });
    expect(effectiveAppsCgroups(base('stock'), 'tracepoint')).toEqual({ apps: true, cgroups: true });
    expect(effectiveAppsCgroups(base('user'), 'probe')).toEqual({ apps: true, cgroups: true });
    expect(effectiveAppsCgroups(base('default'), 'tracepoint')).toEqual({ apps: true, cgroups: true });
  });

  it('has nothing to say when apps and cgroups were already off', () => {
    expect(effectiveAppsCgroups({ ...base('stock'), apps: false, cgroups: false }, 'probe')).toEqual({
      apps: false,
      cgroups: false,
    });
  });

  it('applies to what loadConfig gives for the shipped files', async () => {
    const loaded = await loadConfig({ dirs: { user: empty, stock: shippedConfigDir() } });
    const process = collector(loaded, 'process');
    expect(process.apps).toBe(true);
    expect(effectiveAppsCgroups(process, 'probe').apps).toBe(false);
    expect(effectiveAppsCgroups(process, 'tracepoint').apps).toBe(true);
    expect(effectiveAppsCgroups(process, 'trampoline').apps).toBe(true);
  });
});

describe('describeConfig', () => {
  it('lists files, global values and each collector with where every value came from', async () => {
    const loaded = await loadConfig({ dirs: { user: fx('layering/user'), stock: fx('layering/stock') } });
    const text = describeConfig(loaded);
    expect(text).toContain(`files read:\n  ${fx('layering/user/ebpf.d.conf')} (user)\n`);
    expect(text).toMatch(new RegExp(`process: enabled, origin user, ${escape(fx('layering/user/ebpf.d/process.conf'))}\\n`));
    expect(text).toMatch(/ {2}update every {7}= 7 {2}\(.*process\.conf:4\)/);
    expect(text).toMatch(/ {2}ebpf load mode {5}= return {2}\(.*ebpf\.d\.conf:3\)/);
    expect(text).toContain('  sections: [extra]\n');
    expect(text).toContain('swap: disabled, origin user, no ebpf.d file\n');
    // Enabled collectors come first.
    expect(text.indexOf('vfs: enabled')).toBeLessThan(text.indexOf('swap: disabled'));
  });

  it('can restrict the output to enabled collectors and lists errors', async () => {
    const loaded = await loadConfig({ dirs: { user: fx('errors/user'), stock: empty } });
    const text = describeConfig(loaded, { disabled: false });
    expect(text).not.toContain('disabled,');
    expect(text).toContain(`errors (${loaded.errors.length}):`);
    expect(text).toContain('"retrun" is not valid');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
