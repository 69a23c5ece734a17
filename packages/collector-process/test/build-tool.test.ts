/**
 * bpf/build.mjs, the BPF build every collector package uses: it must produce a
 * CO-RE object that keeps BTF, rebuild only when an input changed, and say
 * what to install when a tool is missing.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findInPath } from '@ebpf-collectors/test-utils';

const BUILD = fileURLToPath(new URL('../../../bpf/build.mjs', import.meta.url));
const BPF_DIR = fileURLToPath(new URL('../../../bpf/', import.meta.url));
const haveTools =
  findInPath('clang') !== undefined &&
  findInPath('llvm-objdump') !== undefined &&
  (existsSync('/sys/kernel/btf/vmlinux') || existsSync(join(BPF_DIR, '.output', 'vmlinux.h')));

function build(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [BUILD, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

const work = mkdtempSync(join(tmpdir(), 'ebpfc-build-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bpf/build.mjs', { timeout: 120_000 }, () => {
  it('rejects a call without an object name (exit 2)', () => {
    const r = build([]);
    expect(r.status).toBe(2);
    expect(r.out).toMatch(/missing object name/);
  });

  it('names the Debian package when clang is missing', () => {
    const r = build(['process', '--out', join(work, 'x'), '--force'], { CLANG: '/nonexistent/clang' });
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/install the Debian package clang/);
  });

  it.skipIf(!haveTools)('builds a third-party source with BTF kept and DWARF stripped, then only when inputs change', () => {
    // A collector outside this repository: its own source directory, our shared headers.
    const src = join(work, 'src');
    const out = join(work, 'out');
    mkdirSync(src, { recursive: true });
    copyFileSync(join(BPF_DIR, 'process.bpf.c'), join(src, 'thirdparty.bpf.c'));
    copyFileSync(join(BPF_DIR, 'process.h'), join(src, 'process.h'));

    const first = build(['thirdparty', '--src-dir', src, '--out', out]);
    expect(first.status, first.out).toBe(0);
    expect(first.out).toMatch(/built .*thirdparty\.bpf\.o/);
    const sections = spawnSync('llvm-objdump', ['-h', join(out, 'thirdparty.bpf.o')], { encoding: 'utf8' }).stdout;
    expect(sections).toMatch(/\.BTF\b/);
    expect(sections).toMatch(/\.BTF\.ext\b/);
    expect(sections).not.toMatch(/\.debug_info\b/);

    expect(build(['thirdparty', '--src-dir', src, '--out', out]).out).toMatch(/up to date/);
    // A header's content changes: rebuild. Its timestamp alone does not matter.
    writeFileSync(join(src, 'process.h'), `${readFileSync(join(src, 'process.h'), 'utf8')}\n/* changed */\n`);
    expect(build(['thirdparty', '--src-dir', src, '--out', out]).out).toMatch(/built/);
    expect(build(['thirdparty', '--src-dir', src, '--out', out]).out).toMatch(/up to date/);
    // Another command line (a define): rebuild.
    expect(build(['thirdparty', '--src-dir', src, '--out', out, '-D', 'EBPFC_TEST_DEFINE=1']).out).toMatch(/built/);
  });

  it.skipIf(!haveTools)('reports a compile error with clang\'s message', () => {
    const src = join(work, 'bad');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'bad.bpf.c'), '#include "vmlinux.h"\nint f( {\n');
    const r = build(['bad', '--src-dir', src, '--out', join(work, 'badout')]);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/clang bad\.bpf\.c failed[\s\S]*error:/);
  });
});
