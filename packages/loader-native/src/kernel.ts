/** Facts about the running kernel that need no BPF: release, version code, BTF files, syscall prefix. */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { arch, release } from 'node:os';
import { join } from 'node:path';

import { invalidArgument, notFound } from './errors.js';
import type { NativeBinding } from './internal-types.js';
import { nativeBinding } from './native.js';

export const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';

/** `MAJOR*65536 + MINOR*256 + min(PATCH, 255)`, as Netdata (and LINUX_VERSION_CODE) computes it. */
export function versionCodeOf(kernelRelease: string): number {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(kernelRelease);
  if (!match) return 0;
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
  return major * 65536 + minor * 256 + Math.min(patch, 255);
}

export function kernelRelease(): string {
  return release();
}

/**
 * The BTF file for CO-RE from a configured path: a file as is, or in a
 * directory `<release>.btf`, `<release>` or `vmlinux` (BTFHub-style layouts).
 * @throws BpfError `ENOENT` when nothing matches.
 */
export function resolveBtfFile(btfPath: string): string {
  if (!existsSync(btfPath)) throw notFound(`find BTF at ${btfPath}`, 'no such file or directory');
  if (!statSync(btfPath).isDirectory()) return btfPath;
  const rel = release();
  for (const name of [`${rel}.btf`, rel, 'vmlinux']) {
    const candidate = join(btfPath, name);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw notFound(`find BTF in ${btfPath}`, `no ${rel}.btf, ${rel} or vmlinux file in the directory`);
}

/** Whether `file` is the running kernel's BTF ({@link VMLINUX_BTF}, through any symlink). */
export function isRunningKernelBtf(file: string): boolean {
  try {
    return realpathSync(file) === realpathSync(VMLINUX_BTF);
  } catch {
    return false;
  }
}

/** Files already parsed as BTF, by path, with the size and mtime they had. */
const parsedBtf = new Map<string, string>();

/**
 * A configured BTF file must be one libbpf can parse, said up front and
 * naming the file: otherwise every later load fails with a number
 * (LIBBPF_ERRNO__FORMAT, EIO) that blames the BPF object.
 * @throws BpfError `EINVAL` naming the file
 */
export function checkBtfFile(file: string): string {
  const st = statSync(file);
  const op = `use BTF file ${file}`;
  const why = 'check the BTF path option (btfPath; "btf path" in ebpf.d.conf)';
  if (!st.isFile()) throw invalidArgument(op, `not a regular file; ${why}`);
  const stamp = `${st.size}:${st.mtimeMs}`;
  if (parsedBtf.get(file) === stamp) return file;
  if (nativeBinding().btfFunctions(file, []) === null) {
    throw invalidArgument(op, `libbpf cannot parse it as BTF (raw BTF like ${VMLINUX_BTF}, or an ELF file with a .BTF section); ${why}`);
  }
  parsedBtf.set(file, stamp);
  return file;
}

/** Arch prefixes of syscall entry symbols since 4.17, by Node's arch name. */
const SYSCALL_PREFIXES: Readonly<Record<string, readonly string[]>> = {
  x64: ['__x64_sys_'],
  ia32: ['__ia32_sys_'],
  arm64: ['__arm64_sys_'],
  s390x: ['__s390x_sys_'],
  riscv64: ['__riscv_sys_'],
  ppc64: ['sys_'],
};

/** Syscalls every kernel has, to test a prefix with. */
const PROBE_SYSCALLS = ['read', 'write', 'openat', 'close'];

/**
 * The prefix the running kernel gives syscall entry points: the arch prefix
 * when kallsyms (the names kprobes resolve) or BTF has those symbols, else
 * the pre-4.17 `sys_`.
 */
export function resolveSyscallPrefix(binding: NativeBinding): string {
  const prefixes = SYSCALL_PREFIXES[arch()] ?? [];
  for (const prefix of prefixes) {
    const names = PROBE_SYSCALLS.map((s) => prefix + s);
    let found = false;
    try {
      found = binding.kallsymsFunctions(names).some(Boolean);
    } catch {
      found = false;
    }
    if (!found) {
      const inBtf = binding.btfFunctions(undefined, names);
      found = inBtf?.some(Boolean) ?? false;
    }
    if (found) return prefix;
  }
  return 'sys_';
}
