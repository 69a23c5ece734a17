import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NETDATA_MODULES, configModules, loadConfig, parseAppsGroups } from '../src/index.js';
import { MAX_MESSAGES_PER_FILE, printable } from '../src/text.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('what a hostile or broken file can make us log', () => {
  it('control bytes are escaped and long values cut, with the cut said', () => {
    expect(printable('a\u0000b\u001b[31mc\rd')).toBe('a\\x00b\\x1b[31mc\\x0dd');
    expect(printable('x'.repeat(100), 10)).toBe('xxxxxxxxxx…(90 more characters)');
  });

  it('50,000 unknown keys give twenty warnings and a count; a 1 MB key is not echoed whole', async () => {
    const user = mkdtempSync(join(tmpdir(), 'floods-'));
    dirs.push(user);
    const lines = ['[global]'];
    for (let i = 0; i < 50_000; i++) lines.push(`k${i} = 1`);
    lines.push(`${'K'.repeat(1 << 20)} = 1`);
    writeFileSync(join(user, 'ebpf.d.conf'), `${lines.join('\n')}\n`);
    mkdirSync(join(user, 'ebpf.d'));
    const config = await loadConfig({ dirs: { user, stock: user } });
    const about = config.warnings.filter((w) => w.startsWith(join(user, 'ebpf.d.conf')));
    expect(about).toHaveLength(MAX_MESSAGES_PER_FILE + 1);
    expect(about.at(-1)).toBe(`${join(user, 'ebpf.d.conf')}: ${50_001 - MAX_MESSAGES_PER_FILE} more warnings not shown`);
    expect(Math.max(...config.warnings.map((w) => w.length))).toBeLessThan(1000);
  }, 60_000);

  it('a line of 100,000 duplicate names in apps_groups.conf gives twenty warnings and a count, with NUL and ESC escaped', () => {
    const text = `a: x\u001b\u0000 ${'x\u001b\u0000 '.repeat(100_000)}\n`;
    const parsed = parseAppsGroups(text, '/etc/netdata/apps_groups.conf');
    expect(parsed.warnings).toHaveLength(MAX_MESSAGES_PER_FILE + 1);
    expect(parsed.warnings[0]!.message).toContain("pattern 'x\\x1b\\x00'");
    expect(parsed.warnings.at(-1)!.message).toBe(
      `/etc/netdata/apps_groups.conf:0: ${100_000 - MAX_MESSAGES_PER_FILE} more warnings not shown (fix the ones shown first)`,
    );
  });
});

describe('fallbacks that are said, not silent', () => {
  it('an unknown section of ebpf.d.conf, an ebpf.d that is a file and a missing configuration directory each get a line', async () => {
    const stock = mkdtempSync(join(tmpdir(), 'fallbacks-'));
    dirs.push(stock);
    writeFileSync(join(stock, 'ebpf.d.conf'), '[global]\n  apps = yes\n[nonsense]\n  x = 1\n');
    writeFileSync(join(stock, 'ebpf.d'), 'not a directory\n');
    const user = join(stock, 'no-such-dir');
    const config = await loadConfig({ dirs: { user, stock } });
    expect(config.warnings).toEqual(
      expect.arrayContaining([
        `${user}: the configuration directory does not exist; the stock files are used`,
        `${join(stock, 'ebpf.d')}: is not a directory, so no per-thread file is read from it`,
        expect.stringMatching(new RegExp(`^${join(stock, 'ebpf.d.conf')}:3: \\[nonsense\\] is not a section of ebpf.d.conf; ignored`)),
      ]),
    );
  });
});

describe('unknown sections of module files', () => {
  it('are warned about once per section with file:line; sections a thread reads are not', async () => {
    const user = mkdtempSync(join(tmpdir(), 'sections-'));
    dirs.push(user);
    mkdirSync(join(user, 'ebpf.d'));
    writeFileSync(join(user, 'ebpf.d.conf'), '[global]\n  apps = yes\n');
    writeFileSync(join(user, 'ebpf.d', 'process.conf'), '[global]\n  apps = yes\n[nonsense]\n  x = 1\n[syscalls]\n[nonsense]\n  y = 1\n');
    writeFileSync(join(user, 'ebpf.d', 'sync.conf'), '[global]\n[syscalls]\n  sync = yes\n');
    writeFileSync(join(user, 'ebpf.d', 'network.conf'), '[global]\n[network connections]\n[service name]\n  22 = ssh\n[bogus]\n');
    writeFileSync(join(user, 'ebpf.d', 'sched.conf'), '[global]\n[own]\n');
    writeFileSync(join(user, 'ebpf.d', 'declared.conf'), '[global]\n[own]\n[other]\n');
    const thirdParty = { configKeys: [], cliFlag: undefined, enabledByDefault: false, defaultCollectPid: 'not set' } as const;
    const modules = configModules([
      ...NETDATA_MODULES,
      { ...thirdParty, name: 'sched', configFile: 'sched.conf' },
      { ...thirdParty, name: 'declared', configFile: 'declared.conf', extraSections: ['own'] },
    ]);
    const config = await loadConfig({ dirs: { user, stock: join(user, 'no-stock') }, modules });
    const sections = config.warnings.filter((w) => w.includes('is not a section'));
    expect(sections).toEqual([
      `${join(user, 'ebpf.d', 'process.conf')}:3: [nonsense] is not a section of process.conf (process); ignored (it has [global])`,
      `${join(user, 'ebpf.d', 'process.conf')}:5: [syscalls] is not a section of process.conf (process); ignored (it has [global])`,
      `${join(user, 'ebpf.d', 'network.conf')}:5: [bogus] is not a section of network.conf (socket); ignored (it has [global], [network connections], [service name])`,
      `${join(user, 'ebpf.d', 'declared.conf')}:3: [other] is not a section of declared.conf (declared); ignored (it has [global], [own])`,
    ]);
  });
});
