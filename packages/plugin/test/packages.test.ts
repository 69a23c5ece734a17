/**
 * Loading third-party collector packages: resolution by name and by path,
 * and the errors for a missing package or one without a collector.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CollectorPackageError, configuredPackages, isPackageSpec, loadCollectorPackage, packageEntry, thirdPartyCollectors } from '../src/packages.js';

const root = mkdtempSync(join(tmpdir(), 'ebpfc-packages-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A package directory with an ESM entry. */
function makePackage(dir: string, name: string, entry: string, exportsField: unknown = { '.': { types: './x.d.ts', import: './lib/main.js' } }): string {
  mkdirSync(join(dir, 'lib'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, type: 'module', exports: exportsField }));
  writeFileSync(join(dir, 'lib/main.js'), entry);
  return dir;
}

const COLLECTOR = `export const collectors = [{ name: 'demo', modes: ['tracepoint'], start() {} }];\n`;

describe('collector packages', () => {
  it('tells package specs from collector names', () => {
    expect(['@acme/x', './x', '../x', '/opt/x', 'acme/x'].map(isPackageSpec)).toEqual([true, true, true, true, true]);
    expect(['process', 'vfs', 'dc'].map(isPackageSpec)).toEqual([false, false, false]);
  });

  it('finds the entry through exports conditions, else main', () => {
    const a = makePackage(join(root, 'entry-a'), 'a', '');
    expect(packageEntry(a)).toBe(join(a, 'lib/main.js'));
    const b = makePackage(join(root, 'entry-b'), 'b', '', './lib/main.js');
    expect(packageEntry(b)).toBe(join(b, 'lib/main.js'));
  });

  it('loads a package directory given as a path, and a name from node_modules under the cwd', async () => {
    makePackage(join(root, 'demo'), '@acme/demo', COLLECTOR);
    expect((await loadCollectorPackage('./demo', root)).map((d) => d.name)).toEqual(['demo']);
    makePackage(join(root, 'app/node_modules/@acme/demo'), '@acme/demo', COLLECTOR);
    mkdirSync(join(root, 'app/sub'));
    expect((await loadCollectorPackage('@acme/demo', join(root, 'app/sub'))).map((d) => d.name)).toEqual(['demo']);
  });

  it('says what is wrong with a missing package or one without a collector', async () => {
    await expect(loadCollectorPackage('@acme/absent', root)).rejects.toMatchObject({ reason: 'missing', message: expect.stringContaining('npm install @acme/absent') });
    await expect(loadCollectorPackage('./absent', root)).rejects.toBeInstanceOf(CollectorPackageError);
    makePackage(join(root, 'empty'), 'empty', 'export const answer = 42;\n');
    await expect(loadCollectorPackage('./empty', root)).rejects.toMatchObject({ reason: 'no-collector' });
    makePackage(join(root, 'throws'), 'throws', 'throw new Error("boom");\n');
    await expect(loadCollectorPackage('./throws', root)).rejects.toMatchObject({ reason: 'broken', message: expect.stringContaining('boom') });
  });

  it('reads [collector packages] from ebpf.d.conf; a bad configured package is logged and skipped', async () => {
    const user = join(root, 'etc');
    mkdirSync(user);
    writeFileSync(join(user, 'ebpf.d.conf'), '[collector packages]\n    ./demo = yes\n    ./off = no\n    ./absent = yes\n');
    const dirs = { user, stock: join(root, 'no-stock') };
    expect(await configuredPackages(dirs)).toEqual([
      { spec: './demo', where: `${join(user, 'ebpf.d.conf')}:2` },
      { spec: './absent', where: `${join(user, 'ebpf.d.conf')}:4` },
    ]);
    const errors: string[] = [];
    const result = await thirdPartyCollectors({ commandLine: [], dirs, cwd: root, logError: (m) => errors.push(m) });
    expect(result).toMatchObject({ ok: true, fromCommandLine: [] });
    expect(result.ok && result.definitions.map((d) => d.name)).toEqual(['demo']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/ebpf\.d\.conf:4: \[collector packages\] \.\/absent: .* does not exist; skipped/);
  });

  it('makes a command-line package that cannot be used a usage error', async () => {
    const dirs = { user: join(root, 'none'), stock: join(root, 'none') };
    const result = await thirdPartyCollectors({ commandLine: ['./empty'], dirs, cwd: root, logError: () => {} });
    expect(result).toMatchObject({ ok: false, message: expect.stringMatching(/^--collectors: \.\/empty exports no collector/) });
  });
});
