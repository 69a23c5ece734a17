/**
 * Builds what the tests need from this machine, never from the repository:
 * vmlinux.h from the running kernel's BTF, the test BPF objects with clang,
 * and dist/ (child processes and workers import the built package). After
 * the run it fails the suite if any test program (`lnt_*`) is still loaded.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const bpfDir = join(packageDir, 'test', 'bpf');
const buildDir = join(packageDir, 'test', '.build');

function newestMtime(dir: string, suffix: string): number {
  return Math.max(0, ...readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .map((f) => statSync(join(dir, f)).mtimeMs));
}

function buildVmlinuxHeader(): string {
  const header = join(buildDir, 'vmlinux.h');
  const stamp = join(buildDir, 'vmlinux.release');
  const current = existsSync(stamp) ? readFileSync(stamp, 'utf8') : '';
  if (!existsSync(header) || current !== release()) {
    const text = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c'], {
      maxBuffer: 256 * 1024 * 1024,
    });
    writeFileSync(header, text);
    writeFileSync(stamp, release());
  }
  return header;
}

function buildBpfObjects(header: string): void {
  const headerTime = statSync(header).mtimeMs;
  for (const source of readdirSync(bpfDir).filter((f) => f.endsWith('.bpf.c'))) {
    const output = join(buildDir, source.replace(/\.c$/, '.o'));
    const sourceTime = statSync(join(bpfDir, source)).mtimeMs;
    if (existsSync(output) && statSync(output).mtimeMs > Math.max(sourceTime, headerTime)) continue;
    execFileSync('clang', ['-target', 'bpf', '-g', '-O2', '-D__TARGET_ARCH_x86', '-Wall', '-I', buildDir, '-c', join(bpfDir, source), '-o', output], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
}

function ensureBuilt(): void {
  const addon = join(packageDir, 'build', 'Release', 'loader_native.node');
  if (!existsSync(addon)) {
    // Unit tests do not need it; kernel tests fail with the loader's own "build it" error.
    process.stderr.write(`${addon} is missing: run \`pnpm --filter @ebpf-collectors/loader-native build\` first\n`);
  }
  const dist = join(packageDir, 'dist', 'index.js');
  if (!existsSync(dist) || statSync(dist).mtimeMs < newestMtime(join(packageDir, 'src'), '.ts')) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', join(packageDir, 'tsconfig.json')], { stdio: 'inherit' });
  }
}

/** Test programs still in the kernel, by the `lnt_` prefix every test program name has. */
export function leftoverTestPrograms(): string[] {
  const out = execFileSync('bpftool', ['prog', 'show', '--json'], { encoding: 'utf8' });
  const progs = JSON.parse(out) as Array<{ id: number; name?: string }>;
  return progs.filter((p) => p.name?.startsWith('lnt_')).map((p) => `${p.name} (id ${p.id})`);
}

export default function setup(): () => Promise<void> {
  mkdirSync(buildDir, { recursive: true });
  ensureBuilt();
  if (process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux')) {
    buildBpfObjects(buildVmlinuxHeader());
  }
  return async () => {
    if (process.getuid?.() !== 0) return;
    // A detached raw_tp/tp_btf program is freed after an RCU grace period, not at close().
    let left = leftoverTestPrograms();
    for (let waited = 0; left.length > 0 && waited < 10_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
      left = leftoverTestPrograms();
    }
    if (left.length > 0) throw new Error(`test BPF programs left in the kernel: ${left.join(', ')}`);
  };
}
