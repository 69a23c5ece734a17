import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, MAX_CONFIG_FILE_BYTES, netdataBoolean, parseBoolean, parseIni, readIniFile } from '../src/config/index.js';

describe('parseIni', () => {
  it('reads sections and key = value lines with their file and line', () => {
    const doc = parseIni('[global]\n    ebpf load mode = entry\n\n[ebpf programs]\n  process=yes\n', '/x/ebpf.d.conf');
    expect(doc.errors).toEqual([]);
    expect([...doc.sections.keys()]).toEqual(['global', 'ebpf programs']);
    const global = doc.sections.get('global');
    expect(global).toMatchObject({ name: 'global', file: '/x/ebpf.d.conf', line: 1 });
    expect(global?.entries.get('ebpf load mode')).toEqual({
      key: 'ebpf load mode',
      value: 'entry',
      file: '/x/ebpf.d.conf',
      line: 2,
    });
    expect(doc.sections.get('ebpf programs')?.entries.get('process')).toMatchObject({ value: 'yes', line: 5 });
  });

  it('skips # comments and blank lines, including indented ones', () => {
    const doc = parseIni('# top\n[global]\n   # update every = 1\n\t\n    apps = no\n', 'f');
    const entries = doc.sections.get('global')?.entries;
    expect([...(entries?.keys() ?? [])]).toEqual(['apps']);
    expect(entries?.get('apps')?.line).toBe(5);
  });

  it('keeps spaces inside keys and trims keys and values', () => {
    const doc = parseIni('[network connections]\n  maximum   dimensions =   50  \nips = !127.0.0.1/8 10.0.0.0/8\n', 'f');
    const entries = doc.sections.get('network connections')?.entries;
    expect(entries?.get('maximum   dimensions')?.value).toBe('50');
    expect(entries?.get('ips')?.value).toBe('!127.0.0.1/8 10.0.0.0/8');
  });

  it('splits at the first "=" only and keeps a trailing "#" as part of the value, as Netdata does', () => {
    const doc = parseIni('[s]\na = b = c\nd = e # not a comment\nempty =\n', 'f');
    const entries = doc.sections.get('s')?.entries;
    expect(entries?.get('a')?.value).toBe('b = c');
    expect(entries?.get('d')?.value).toBe('e # not a comment');
    expect(entries?.get('empty')?.value).toBe('');
  });

  it('tolerates CRLF line ends and a BOM', () => {
    const doc = parseIni('\uFEFF[global]\r\napps = yes\r\n', 'f');
    expect(doc.errors).toEqual([]);
    expect(doc.sections.get('global')?.entries.get('apps')).toMatchObject({ value: 'yes', line: 2 });
  });

  it('merges a repeated section and lets the later key win, with a warning naming both lines', () => {
    const doc = parseIni('[global]\napps = yes\n[other]\nx = 1\n[global]\napps = no\n', 'conf');
    const global = doc.sections.get('global');
    expect(global?.line).toBe(1);
    expect(global?.entries.get('apps')).toMatchObject({ value: 'no', line: 6 });
    expect(doc.warnings).toEqual([expect.stringContaining('conf:6: [global] "apps" is set again')]);
    expect(doc.warnings[0]).toContain('line 2');
  });

  it('reports a line without "=" as a ConfigError with file:line and keeps parsing', () => {
    const doc = parseIni('[global]\napps = yes\nthis is not a setting\ncgroups = no\n', '/etc/netdata/ebpf.d.conf');
    expect(doc.errors).toHaveLength(1);
    const error = doc.errors[0];
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'EBADCONFIG', file: '/etc/netdata/ebpf.d.conf', line: 3, key: '' });
    expect(error?.message).toMatch(/^\/etc\/netdata\/ebpf\.d\.conf:3: \[global\] line "this is not a setting" is not valid; accepted: .*"key = value".*The line is ignored\.$/);
    expect(doc.sections.get('global')?.entries.get('cgroups')?.value).toBe('no');
  });

  it('reports a setting before any section, an empty key and an empty section name', () => {
    const doc = parseIni('apps = yes\n[global]\n = 5\n[]\nx = 1\n', 'f');
    expect(doc.errors.map((e) => e.line)).toEqual([1, 3, 4, 5]);
    expect(doc.errors[0]?.message).toContain('f:1: line "apps = yes" is not valid; accepted: a "[section]" header before');
    expect(doc.errors[1]?.accepted).toBe('a key before "="');
    expect(doc.errors[2]?.accepted).toBe('a section name between the brackets');
    // The line after a bad header is outside any section again, so it is reported too.
    expect(doc.errors[3]?.accepted).toContain('before the first "key = value"');
    expect(doc.sections.size).toBe(1);
  });

  it('treats "[section" without the closing bracket as a malformed line', () => {
    const doc = parseIni('[global\napps = yes\n', 'f');
    expect(doc.errors.map((e) => e.line)).toEqual([1, 2]);
  });
});

describe('booleans', () => {
  it("netdataBoolean: yes/true/on/auto/on demand are true in any case, anything else is false (Netdata's rule)", () => {
    for (const v of ['yes', 'TRUE', 'On', 'auto', 'on demand', ' On Demand ']) expect(netdataBoolean(v)).toBe(true);
    for (const v of ['no', 'off', '1', 'y', '', 'enabled']) expect(netdataBoolean(v)).toBe(false);
  });

  it('parseBoolean rejects what is neither a true nor a false word', () => {
    expect(parseBoolean('YES')).toBe(true);
    expect(parseBoolean('on demand')).toBe(true);
    expect(parseBoolean('Off')).toBe(false);
    expect(parseBoolean('false')).toBe(false);
    expect(parseBoolean('1')).toBeUndefined();
    expect(parseBoolean('maybe')).toBeUndefined();
  });
});

describe('readIniFile', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('returns undefined for a missing file without reporting anything', async () => {
    const reported: ConfigError[] = [];
    await expect(readIniFile('/nonexistent/ebpf.d.conf', (e) => reported.push(e))).resolves.toBeUndefined();
    expect(reported).toEqual([]);
  });

  it('reports a path it cannot read (a directory) and treats it as absent', async () => {
    dir = await mkdtemp(join(tmpdir(), 'config-ini-'));
    const path = join(dir, 'ebpf.d.conf');
    await mkdir(path);
    const reported: ConfigError[] = [];
    await expect(readIniFile(path, (e) => reported.push(e))).resolves.toBeUndefined();
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ code: 'EBADCONFIG', file: path, line: 0 });
    expect(reported[0]?.message).toContain('is a directory');
  });

  it('refuses a FIFO without blocking, and /dev/zero without reading it, naming the file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'config-ini-'));
    const fifo = join(dir, 'ebpf.d.conf');
    execFileSync('mkfifo', [fifo]);
    const reported: ConfigError[] = [];
    // A blocking open of a FIFO with no writer would never return.
    await expect(readIniFile(fifo, (e) => reported.push(e))).resolves.toBeUndefined();
    await expect(readIniFile('/dev/zero', (e) => reported.push(e))).resolves.toBeUndefined();
    expect(reported.map((e) => e.message)).toEqual([
      `${fifo}: is a FIFO, not a configuration file; it is skipped`,
      '/dev/zero: is a character device, not a configuration file; it is skipped',
    ]);
  });

  it('refuses a file larger than the cap, saying how large it is', async () => {
    dir = await mkdtemp(join(tmpdir(), 'config-ini-'));
    const path = join(dir, 'ebpf.d.conf');
    await writeFile(path, Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1, 0x61));
    const reported: ConfigError[] = [];
    await expect(readIniFile(path, (e) => reported.push(e))).resolves.toBeUndefined();
    expect(reported[0]?.message).toContain(`is ${MAX_CONFIG_FILE_BYTES + 1} bytes, more than the ${MAX_CONFIG_FILE_BYTES}`);
  });
});
