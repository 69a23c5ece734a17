/**
 * A third-party collector from outside the repository, end to end:
 *
 * 1. the packages are packed as they are published (a fresh clone builds
 *    the prebuilt loader addon here, through its prepack);
 * 2. an "author" directory outside the workspace installs the packed
 *    @ebpf-collectors/bpf-tools and core, builds examples/collector-sched
 *    there with `ebpfc-bpf-build` (vmlinux.h from this kernel's BTF, the
 *    headers the tarball ships) and tsc, and packs it with npm;
 * 3. a "host" directory installs the packed plugin and that tarball with npm;
 * 4. the installed `ebpf.plugin --collectors <package>` runs for a few
 *    seconds as Netdata would run it, and a strict 1.37 parser accepts every
 *    line, with the example's host and apps charts among them.
 * Also the errors: a missing package and one exporting no collector exit 64.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNetdataStream } from '@ebpf-collectors/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, fileDependencies, npmInstall, packPackages, runtimeClosure, workspacePackages } from './pack.js';

const EXAMPLE = '@ebpf-collectors/example-collector-sched';
const work = mkdtempSync(join(tmpdir(), 'ebpfc-third-party-'));
const tarballs = join(work, 'tarballs');
const author = join(work, 'author');
const host = join(work, 'host');
let plugin = '';
let configDir = '';

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Run the installed plugin from the host directory. */
function runPlugin(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(plugin, args, { cwd: host, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('a third-party collector package, packed and installed with npm', () => {
  beforeAll(() => {
    mkdirSync(tarballs);
    const packed = packPackages(runtimeClosure(['@ebpf-collectors/plugin', '@ebpf-collectors/bpf-tools']), tarballs);

    // The author's checkout: the example's sources and its published build tool.
    const source = workspacePackages().get(EXAMPLE)!.dir;
    mkdirSync(author);
    for (const entry of ['bpf/sched.bpf.c', 'bpf/sched.h', 'src', 'tsconfig.json', 'README.md']) {
      cpSync(join(source, entry), join(author, entry), {
        recursive: true,
        filter: (path) => !path.includes('/src/generated'),
      });
    }
    const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as Record<string, unknown>;
    npmInstall(author, {
      devDependencies: fileDependencies(new Map([...packed].filter(([name]) => ['@ebpf-collectors/bpf-tools', '@ebpf-collectors/core', '@ebpf-collectors/loader-native'].includes(name) || name.startsWith('@ebpf-collectors/loader-native-')))),
    });
    // The manifest the author publishes: theirs, with the peer range of a release.
    writeFileSync(
      join(author, 'package.json'),
      `${JSON.stringify({ ...manifest, devDependencies: undefined, scripts: undefined, peerDependencies: { '@ebpf-collectors/core': '>=0.1.0 <1.0.0' } }, null, 2)}\n`,
    );
    execFileSync(join(author, 'node_modules/.bin/ebpfc-bpf-build'), ['sched', '--src-dir', 'bpf', '--out', 'bpf', '--quiet'], {
      cwd: author,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, EBPFC_VMLINUX_DIR: join(work, 'vmlinux') },
    });
    execFileSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--typeRoots', join(REPO, 'node_modules/@types')], {
      cwd: author,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const example = join(tarballs, execFileSync('npm', ['pack', '--pack-destination', tarballs, '--loglevel=error'], { cwd: author, encoding: 'utf8' }).trim().split('\n').pop()!);

    // The host: the plugin and the example, nothing else named.
    mkdirSync(host);
    npmInstall(host, { dependencies: { ...fileDependencies(packed), [EXAMPLE]: `file:${example}` } });
    plugin = join(host, 'node_modules/.bin/ebpf.plugin');

    configDir = join(work, 'etc');
    mkdirSync(configDir);
    // Enabled in [ebpf programs] too: that is what turns a thread's apps charts on (--collectors only selects).
    writeFileSync(join(configDir, 'ebpf.d.conf'), '[global]\n    update every = 1\n    apps = yes\n    cgroups = no\n[ebpf programs]\n    sched = yes\n');
  }, 900_000);

  it('the build tool shipped its headers and generated the TypeScript mirror outside the repository', () => {
    const generated = readFileSync(join(author, 'src/generated/sched.ts'), 'utf8');
    expect(generated).toContain('export const SchedCounter = {');
    expect(generated).toMatch(/tbl_sched_pid: \{ type: "hash", keySize: 4, valueSize: 24/);
    expect(generated).toContain('node_modules/@ebpf-collectors/bpf-tools/include/ebpfc_pid.h');
  });

  it('runs under the installed ebpf.plugin, and a strict parser accepts its charts', () => {
    const run = runPlugin(['1', '--config-dir', configDir, '--collectors', EXAMPLE, '--output', 'netdata', '--duration', '4']);
    expect(run.status, run.stderr).toBe(0);
    const parsed = parseNetdataStream(run.stdout);
    expect(parsed.errors, JSON.stringify(parsed.errors.slice(0, 5), null, 2)).toEqual([]);
    const switches = parsed.charts.get('sched.switches');
    expect(switches?.module).toBe('sched');
    expect([...(switches?.dimensions.keys() ?? [])]).toEqual(['voluntary', 'involuntary']);
    expect(parsed.charts.has('apps.sched_switches')).toBe(true);
    // Context switches never stop: some interval of the host chart is non-zero.
    const values = parsed.values.filter((b) => b.chart === 'sched.switches').flatMap((b) => [...b.values.values()]);
    expect(values.some((v) => v > 0n)).toBe(true);
  });

  it('is found through ebpf.d.conf [collector packages] too', () => {
    const etc = join(work, 'etc-packages');
    mkdirSync(etc);
    writeFileSync(join(etc, 'ebpf.d.conf'), `[global]\n    update every = 1\n[ebpf programs]\n    sched = yes\n[collector packages]\n    ${EXAMPLE} = yes\n`);
    const run = runPlugin(['--config-dir', etc, '--collectors', 'sched', '--check']);
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toMatch(/sched/);
  });

  it('exits 64 for a package that is not installed or exports no collector', () => {
    const missing = runPlugin(['--config-dir', configDir, '--collectors', '@acme/no-such-collector', '--check']);
    expect(missing.status).toBe(64);
    expect(missing.stderr).toContain('@acme/no-such-collector is not installed');
    const notACollector = runPlugin(['--config-dir', configDir, '--collectors', '@ebpf-collectors/output-netdata', '--check']);
    expect(notACollector.status).toBe(64);
    expect(notACollector.stderr).toContain('@ebpf-collectors/output-netdata exports no collector');
  });
});
