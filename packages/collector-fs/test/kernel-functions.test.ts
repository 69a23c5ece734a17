/**
 * Module functions from a kallsyms file: what the filesystem collector hooks
 * when ext4, xfs... are modules (Debian), which vmlinux's BTF does not list.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { moduleFunctions, withModuleFunctions } from '../src/kernel-functions.js';

// Lines as Debian 6.1 prints them (addresses zeroed as for an unprivileged reader).
const KALLSYMS = [
  '0000000000000000 T do_sys_open',
  '0000000000000000 t do_sys_openat2',
  '0000000000000000 T close_fd',
  '0000000000000000 t ext4_file_read_iter\t[ext4]',
  '0000000000000000 t ext4_file_open\t[ext4]',
  '0000000000000000 d ext4_file_operations\t[ext4]',
  '0000000000000000 t xfs_file_read_iter\t[xfs]',
  '0000000000000000 T nfs_file_read\t[nfs]',
  '',
].join('\n');

const dir = mkdtempSync(join(tmpdir(), 'ebpfc-kallsyms-'));
const kallsyms = join(dir, 'kallsyms');
const btfDir = join(dir, 'btf');
writeFileSync(kallsyms, KALLSYMS);
mkdirSync(btfDir);
writeFileSync(join(btfDir, 'vmlinux'), '');
writeFileSync(join(btfDir, 'ext4'), '');
writeFileSync(join(btfDir, 'nfs'), '');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('moduleFunctions', () => {
  it("finds the wanted text symbols of modules with their module, not vmlinux's nor data symbols", () => {
    const wanted = new Set(['ext4_file_read_iter', 'ext4_file_operations', 'do_sys_open', 'nfs_file_read', 'zpl_open']);
    expect(moduleFunctions(wanted, kallsyms)).toEqual(
      new Map([
        ['ext4_file_read_iter', 'ext4'],
        ['nfs_file_read', 'nfs'],
      ]),
    );
  });
});

describe('withModuleFunctions', () => {
  const vmlinux = { hasKernelFunction: (name: string) => ['do_sys_open', 'vfs_read'].includes(name) };
  const candidates = ['ext4_file_read_iter', 'ext4_file_open', 'xfs_file_read_iter', 'zpl_open', 'vfs_read'];

  it('probe mode: any loaded module function, plus what vmlinux has', () => {
    const has = withModuleFunctions(vmlinux, 'probe', candidates, { kallsyms, btfDir });
    expect(candidates.filter((n) => has.hasKernelFunction(n))).toEqual(['ext4_file_read_iter', 'ext4_file_open', 'xfs_file_read_iter', 'vfs_read']);
  });

  it('trampoline mode: only functions of modules that have BTF', () => {
    const has = withModuleFunctions(vmlinux, 'trampoline', candidates, { kallsyms, btfDir });
    expect(candidates.filter((n) => has.hasKernelFunction(n))).toEqual(['ext4_file_read_iter', 'ext4_file_open', 'vfs_read']);
  });

  it('does not read kallsyms when vmlinux has every candidate', () => {
    const has = withModuleFunctions(vmlinux, 'probe', ['vfs_read'], { kallsyms: join(dir, 'missing'), btfDir });
    expect(has.hasKernelFunction('vfs_read')).toBe(true);
    expect(() => withModuleFunctions(vmlinux, 'probe', ['zpl_open'], { kallsyms: join(dir, 'missing'), btfDir })).toThrow(/ENOENT/);
  });
});
