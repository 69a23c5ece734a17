import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/index.js';
import type { LoadedConfig } from '../src/config/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/config/', import.meta.url));
const globalFile = `${fixtures}errors/user/ebpf.d.conf`;
const processFile = `${fixtures}errors/user/ebpf.d/process.conf`;
const vfsFile = `${fixtures}errors/user/ebpf.d/vfs.conf`;

let loaded: LoadedConfig;
beforeAll(async () => {
  loaded = await loadConfig({ dirs: { user: `${fixtures}errors/user`, stock: `${fixtures}empty` } });
});

function errorAt(file: string, line: number): ConfigError {
  const found = loaded.errors.filter((e) => e.file === file && e.line === line);
  expect(found, `one error at ${file}:${line}`).toHaveLength(1);
  return found[0] as ConfigError;
}

describe('ConfigError for bad values', () => {
  it('every error is a ConfigError with code EBADCONFIG', () => {
    expect(loaded.errors.length).toBe(17);
    for (const e of loaded.errors) {
      expect(e).toBeInstanceOf(ConfigError);
      expect(e).toBeInstanceOf(Error);
      expect(e.code).toBe('EBADCONFIG');
      expect(e.name).toBe('ConfigError');
    }
  });

  it('bad ebpf load mode: names file, line, key, value, accepted values and the default used', () => {
    const e = errorAt(globalFile, 3);
    expect(e).toMatchObject({ section: 'global', key: 'ebpf load mode', value: 'retrun', accepted: 'entry, return', fallback: 'entry' });
    expect(e.message).toBe(
      `${globalFile}:3: [global] "ebpf load mode" = "retrun" is not valid; accepted: entry, return. Using the default "entry".`,
    );
    expect(loaded.global.loadMode).toBe('entry');
    expect(loaded.collectors.get('process')?.loadMode).toBe('entry');
  });

  it('bad boolean: apps = maybe falls back to the default yes', () => {
    const e = errorAt(globalFile, 4);
    expect(e).toMatchObject({ key: 'apps', value: 'maybe', fallback: 'yes' });
    expect(e.accepted).toBe('yes, no, true, false, on, off, auto, on demand');
    expect(e.message).toContain(`${globalFile}:4: [global] "apps" = "maybe" is not valid; accepted: yes, no, true`);
    expect(loaded.global.apps).toBe(true);
  });

  it('update every = 0 is rejected and the built-in 10 s is used', () => {
    const e = errorAt(globalFile, 5);
    expect(e).toMatchObject({ key: 'update every', value: '0', fallback: '10' });
    expect(e.accepted).toBe('a whole number of seconds, 1 or more');
    expect(loaded.global.updateEvery).toBe(10);
  });

  it('pid table size = -1 is rejected and 32768 is used', () => {
    const e = errorAt(globalFile, 6);
    expect(e).toMatchObject({ key: 'pid table size', value: '-1', fallback: '32768' });
    expect(e.accepted).toBe('a whole number from 1 to 4194304');
    expect(loaded.global.pidTableSize).toBe(32768);
  });

  it('bad ebpf type format is rejected and auto is used', () => {
    const e = errorAt(globalFile, 7);
    expect(e).toMatchObject({ key: 'ebpf type format', value: 'bpf', accepted: 'auto, legacy, CO-RE', fallback: 'auto' });
    expect(loaded.global.typeFormat).toBe('auto');
  });

  it('a malformed line is reported with file:line and parsing continues past it', () => {
    const e = errorAt(globalFile, 8);
    expect(e.key).toBe('');
    expect(e.value).toBe('this line has no equals sign');
    expect(e.message).toContain(`${globalFile}:8: [global] line "this line has no equals sign" is not valid`);
    // cgroups = yes on the next line was still read.
    expect(loaded.global.cgroups).toBe(true);
  });

  it('a bad [ebpf programs] value is reported and the code default decides', () => {
    const e = errorAt(globalFile, 13);
    expect(e).toMatchObject({ section: 'ebpf programs', key: 'process', value: 'perhaps', fallback: 'yes' });
    expect(loaded.enabled.has('process')).toBe(true);
    expect(loaded.enabled.has('vfs')).toBe(true);
  });

  it('per-module: negative update every, bad collect pid, bad co-re tracing, non-numeric pid table size', () => {
    const update = errorAt(processFile, 2);
    expect(update).toMatchObject({ key: 'update every', value: '-5', fallback: '10' });
    const collect = errorAt(processFile, 3);
    expect(collect).toMatchObject({ key: 'collect pid', value: 'grandparent', accepted: 'real parent, parent, all', fallback: 'real parent' });
    expect(collect.message).toBe(
      `${processFile}:3: [global] "collect pid" = "grandparent" is not valid; accepted: real parent, parent, all. Using the default "real parent".`,
    );
    const tracing = errorAt(processFile, 4);
    expect(tracing).toMatchObject({ key: 'ebpf co-re tracing', value: 'kprobe', accepted: 'trampoline, probe, tracepoint', fallback: 'trampoline' });
    const pid = errorAt(processFile, 5);
    expect(pid).toMatchObject({ key: 'pid table size', value: 'abc', fallback: '32768' });
    expect(loaded.collectors.get('process')).toMatchObject({
      updateEvery: 10,
      collectPid: 'real parent',
      coreTracing: 'trampoline',
      pidTableSize: 32768,
    });
  });

  it('says "inherited" when the fallback came from ebpf.d.conf rather than a built-in default', () => {
    const e = errorAt(processFile, 6);
    expect(e).toMatchObject({ key: 'cgroups', value: 'enabled', fallback: 'yes' });
    expect(e.message).toMatch(/Using the inherited value "yes"\.$/);
    expect(loaded.collectors.get('process')?.cgroups).toBe(true);
  });

  it('per-module: non-numeric update every, bad maps per core, zero lifetime, zero pid table size, "1" as a boolean', () => {
    expect(errorAt(vfsFile, 2)).toMatchObject({ key: 'update every', value: 'abc' });
    expect(errorAt(vfsFile, 3)).toMatchObject({ key: 'maps per core', value: 'sometimes', fallback: 'yes' });
    expect(errorAt(vfsFile, 4)).toMatchObject({ key: 'lifetime', value: '0', fallback: '300' });
    expect(errorAt(vfsFile, 5)).toMatchObject({ key: 'pid table size', value: '0', fallback: '32768' });
    expect(errorAt(vfsFile, 6)).toMatchObject({ key: 'apps', value: '1', fallback: 'yes' });
    expect(loaded.collectors.get('vfs')).toMatchObject({
      updateEvery: 10,
      mapsPerCore: true,
      lifetime: 300,
      pidTableSize: 32768,
      apps: true,
    });
  });
});

describe('warnings', () => {
  it('names unknown [global] keys with file:line and suggests the close one', () => {
    expect(loaded.warnings).toContain(
      `${globalFile}:10: [global] unknown key "ebpf laod mode"; ignored (did you mean "ebpf load mode"?)`,
    );
  });

  it('names unknown [ebpf programs] keys', () => {
    expect(loaded.warnings).toContain(
      `${globalFile}:15: [ebpf programs] unknown key "dcstatt"; ignored (did you mean "dcstat"?)`,
    );
    expect(loaded.enabled.has('dc')).toBe(false);
  });

  it('says btf path is only read from ebpf.d.conf', () => {
    expect(loaded.warnings).toContain(
      `${vfsFile}:7: [global] "btf path" is only read from ebpf.d.conf; ignored here`,
    );
    expect(loaded.collectors.get('vfs')?.btfPath).toBe('/sys/kernel/btf/');
  });
});
