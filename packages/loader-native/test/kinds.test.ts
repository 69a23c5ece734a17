import { existsSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { isRunningKernelBtf, resolveBtfFile, VMLINUX_BTF, versionCodeOf } from '../src/kernel.js';
import { mapKindOf, mapTypeOf, programKindOf, sectionTarget } from '../src/kinds.js';

describe('programKindOf', () => {
  it.each([
    ['tracepoint/sched/sched_process_fork', 'tracepoint'],
    ['tp/syscalls/sys_enter_read', 'tracepoint'],
    ['raw_tp/sys_enter', 'raw_tracepoint'],
    ['raw_tracepoint/sched_switch', 'raw_tracepoint'],
    ['tp_btf/sched_process_exit', 'tp_btf'],
    ['fentry/vfs_read', 'fentry'],
    ['fexit/vfs_write', 'fexit'],
    ['fentry.s/vfs_read', 'fentry'],
    ['kprobe/vfs_read', 'kprobe'],
    ['kretprobe/vfs_read', 'kretprobe'],
    ['ksyscall/clone', 'ksyscall'],
    ['kretsyscall/clone', 'kretsyscall'],
    ['iter/task', 'iter'],
    ['iter.s/task_file', 'iter'],
    ['xdp', 'other'],
    ['tracepointx/a/b', 'other'],
  ] as const)('%s -> %s', (section, kind) => {
    expect(programKindOf(section)).toBe(kind);
  });

  it('sectionTarget is what follows the first slash', () => {
    expect(sectionTarget('tracepoint/sched/sched_process_fork')).toBe('sched/sched_process_fork');
    expect(sectionTarget('kprobe/vfs_read+0x10')).toBe('vfs_read+0x10');
    expect(sectionTarget('tracepoint')).toBe('');
  });
});

describe('map kinds', () => {
  it('round-trip through kernel type numbers', () => {
    for (const kind of ['hash', 'array', 'percpu_hash', 'percpu_array', 'lru_hash', 'lru_percpu_hash', 'ringbuf', 'perf_event_array'] as const) {
      expect(mapKindOf(mapTypeOf(kind)!)).toBe(kind);
    }
    expect(mapTypeOf('percpu_hash')).toBe(5);
    expect(mapTypeOf('other')).toBeUndefined();
    expect(mapKindOf(12 /* hash_of_maps */)).toBe('other');
  });
});

describe('versionCodeOf', () => {
  it('is MAJOR*65536 + MINOR*256 + min(PATCH, 255)', () => {
    expect(versionCodeOf('6.18.44-fc-v669')).toBe(6 * 65536 + 18 * 256 + 44);
    expect(versionCodeOf('4.19.300')).toBe(4 * 65536 + 19 * 256 + 255);
    expect(versionCodeOf('6.1')).toBe(6 * 65536 + 256);
    expect(versionCodeOf('garbage')).toBe(0);
  });
});

describe('isRunningKernelBtf', () => {
  it.runIf(existsSync(VMLINUX_BTF))('is true for the kernel\'s own BTF, through a symlink too, and false for any other file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lnt-btf-'));
    symlinkSync(VMLINUX_BTF, join(dir, 'vmlinux'));
    writeFileSync(join(dir, 'copy.btf'), 'x');
    expect(isRunningKernelBtf(VMLINUX_BTF)).toBe(true);
    expect(isRunningKernelBtf(join(dir, 'vmlinux'))).toBe(true);
    expect(isRunningKernelBtf(join(dir, 'copy.btf'))).toBe(false);
    expect(isRunningKernelBtf(join(dir, 'missing'))).toBe(false);
  });
});

describe('resolveBtfFile', () => {
  it('takes a file as is, finds <release>.btf or vmlinux in a directory, and names what is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lnt-btf-'));
    const file = join(dir, 'custom.btf');
    writeFileSync(file, '');
    expect(resolveBtfFile(file)).toBe(file);

    const byRelease = join(dir, 'hub');
    mkdirSync(byRelease);
    writeFileSync(join(byRelease, `${release()}.btf`), '');
    writeFileSync(join(byRelease, 'vmlinux'), '');
    expect(resolveBtfFile(byRelease)).toBe(join(byRelease, `${release()}.btf`));

    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(() => resolveBtfFile(empty)).toThrow(expect.objectContaining({ name: 'BpfError', code: 'ENOENT' }));
    expect(() => resolveBtfFile(join(dir, 'missing'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
