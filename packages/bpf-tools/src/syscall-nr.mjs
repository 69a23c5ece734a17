// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * `ebpfc_syscall_nr.h`: the system call numbers of x86_64 and arm64, taken
 * at build time from the kernel's UAPI headers (Debian's linux-libc-dev), so
 * BPF programs on the generic `sys_exit` tracepoint switch on the syscall id
 * without hand-copied numbers and without a generated table in git.
 *
 *   x86_64: <asm/unistd_64.h> of the x86_64 multiarch include directory
 *   arm64:  <asm-generic/unistd.h> with 64-bit longs and arm64's
 *           __ARCH_WANT_* switches (arm64's asm/unistd.h includes it so)
 *
 * The build (build.mjs) writes it beside the generated vmlinux.h when it is
 * missing; on its own: `node src/syscall-nr.mjs --out FILE`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Where Debian keeps x86_64's <asm/unistd_64.h> (linux-libc-dev, or linux-libc-dev:amd64 on another arch). */
export const X86_INCLUDE = '/usr/include/x86_64-linux-gnu';

const ARM64_WANTS = ['RENAMEAT', 'NEW_STAT', 'SET_GET_RLIMIT', 'TIME32_SYSCALLS', 'SYS_CLONE3'];

/**
 * name -> number of every `__NR_<name>` a header set defines, as the preprocessor evaluates them.
 * @param {string} cc
 * @param {string} prelude
 * @param {string[]} args
 * @returns {Array<[string, number]>} sorted by number
 */
function numbers(cc, prelude, args) {
  const run = (extra, input) => {
    const r = spawnSync(cc, ['-E', ...extra, '-x', 'c', ...args, '-'], { input, encoding: 'utf8' });
    if (r.error) throw new Error(`cannot run ${cc}: ${r.error.message} (install clang)`);
    if (r.status !== 0) throw new Error(`${cc} could not read the kernel's UAPI headers (install linux-libc-dev):\n${r.stderr}`);
    return r.stdout;
  };
  const names = [...run(['-dM'], prelude).matchAll(/^#define __NR_(\w+) /gm)]
    .map((m) => m[1])
    .filter((n) => n !== 'syscalls' && n !== 'arch_specific_syscall');
  const probe = prelude + names.map((n) => `\n@@ ${n} __NR_${n}`).join('');
  const table = new Map();
  for (const m of run(['-P'], probe).matchAll(/^@@ (\w+) (.+)$/gm)) {
    const expr = m[2].trim();
    if (!/^[\d\s()+]+$/.test(expr)) throw new Error(`__NR_${m[1]}: unexpected expansion "${expr}"`);
    // Only digits, spaces, parentheses and '+' reach here.
    table.set(m[1], Function(`return (${expr});`)());
  }
  return [...table].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
}

function headersVersion() {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Package} ${Version}', 'linux-libc-dev'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : "the kernel's UAPI headers";
}

/**
 * The header's text. x86_64's numbers need <asm/unistd_64.h>; where it is
 * missing (another build arch without linux-libc-dev:amd64) that branch is an
 * #error naming the package, and arm64 builds still work.
 * @param {{ cc?: string, x86Include?: string }} [options]
 * @returns {{ text: string, counts: { x86_64: number, arm64: number } }}
 */
export function syscallNumbersHeader(options = {}) {
  const cc = options.cc ?? process.env.CLANG ?? 'clang';
  const x86Include = options.x86Include ?? X86_INCLUDE;
  const shim = mkdtempSync(join(tmpdir(), 'ebpfc-syscall-nr-'));
  try {
    mkdirSync(join(shim, 'asm'));
    // asm-generic/unistd.h includes <asm/bitsperlong.h>; arm64 is a 64-bit arch.
    writeFileSync(join(shim, 'asm', 'bitsperlong.h'), '#define __BITS_PER_LONG 64\n');
    const x86 = existsSync(join(x86Include, 'asm', 'unistd_64.h'))
      ? numbers(cc, '#include <asm/unistd_64.h>\n', ['-nostdinc', '-I', x86Include])
      : undefined;
    const arm64 = numbers(
      cc,
      `${ARM64_WANTS.map((w) => `#define __ARCH_WANT_${w}\n`).join('')}#include <asm-generic/unistd.h>\n`,
      ['-nostdinc', '-I', shim, '-I', '/usr/include'],
    );
    if ((x86 && x86.length < 300) || arm64.length < 250) {
      throw new Error(`too few syscalls found in the UAPI headers (x86_64 ${x86?.length ?? 0}, arm64 ${arm64.length})`);
    }
    const block = (table) => table.map(([n, v]) => `#define EBPFC_NR_${n} ${v}`).join('\n');
    const text = `/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * System call numbers per architecture, generated at build time by
 * @ebpf-collectors/bpf-tools (src/syscall-nr.mjs) from ${headersVersion()}:
 * x86_64 from <asm/unistd_64.h>, arm64 from <asm-generic/unistd.h>.
 *
 * EBPFC_NR_<name> is defined only where the architecture has the syscall
 * (arm64 has no open, creat, unlink, mknod...): test with #ifdef.
 */
#ifndef EBPFC_SYSCALL_NR_H
#define EBPFC_SYSCALL_NR_H

#if defined(__TARGET_ARCH_x86)
${x86 ? block(x86) : `#error "ebpfc_syscall_nr.h: no x86_64 syscall numbers: ${x86Include}/asm/unistd_64.h was missing at build time (install linux-libc-dev:amd64)"`}
#elif defined(__TARGET_ARCH_arm64)
${block(arm64)}
#else
#error "ebpfc_syscall_nr.h: no syscall numbers for this __TARGET_ARCH (x86 and arm64 are known)"
#endif

#endif /* EBPFC_SYSCALL_NR_H */
`;
    return { text, counts: { x86_64: x86?.length ?? 0, arm64: arm64.length } };
  } finally {
    rmSync(shim, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, cc: { type: 'string' }, 'x86-include': { type: 'string' } } });
  const { text, counts } = syscallNumbersHeader({
    ...(values.cc ? { cc: values.cc } : {}),
    ...(values['x86-include'] ? { x86Include: values['x86-include'] } : {}),
  });
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
  process.stderr.write(`syscall-nr: ${counts.x86_64} x86_64 and ${counts.arm64} arm64 numbers\n`);
}
