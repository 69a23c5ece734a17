/**
 * What the generated mirror of bpf/vfs.h cannot say: the lane order the BPF
 * accounting relies on, one program per hook the plans name, the map
 * layouts as the loader sees them. Also the per-mode program plans.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KernelFunctionMissingError } from '@ebpf-collectors/core';
import { createLoader } from '@ebpf-collectors/loader-native';
import { planPrograms } from '../src/index.js';
import {
  COUNTER,
  COUNTER_LANES,
  MAP,
  PID_LANE,
  PID_LANES,
  TRACEPOINT_SYSCALLS,
  VFS_FUNCTIONS,
  functionProgram,
  tracepointProgram,
} from '../src/internal-types.js';

const OBJECT = fileURLToPath(new URL('../bpf/vfs.bpf.o', import.meta.url));

describe('lane order', () => {
  it('errors follow calls and bytes follow errors, as the BPF accounting assumes', () => {
    for (const op of ['write', 'writev', 'read', 'readv'] as const) {
      expect(COUNTER[`${op}Errors`]).toBe(COUNTER[`${op}Calls`] + 1);
      expect(COUNTER[`${op}Bytes`]).toBe(COUNTER[`${op}Calls`] + 2);
    }
    for (const op of ['unlink', 'fsync', 'open', 'create'] as const) expect(COUNTER[`${op}Errors`]).toBe(COUNTER[`${op}Calls`] + 1);
    for (const op of ['write', 'read'] as const) expect(PID_LANE[`${op}Bytes`]).toBe(PID_LANE[`${op}Calls`] + 2);
    for (const op of ['write', 'read', 'unlink', 'fsync', 'open', 'create'] as const) {
      expect(PID_LANE[`${op}Errors`]).toBe(PID_LANE[`${op}Calls`] + 1);
    }
  });
});

describe.skipIf(!existsSync(OBJECT))('the built object', () => {
  const spec = createLoader().openObject(OBJECT);
  const programs = new Map([...spec.programs.values()].map((p) => [p.name, p.sectionName]));
  const maps = new Map(
    [...spec.maps.values()].map((m) => [m.name, { kind: m.kind, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries }]),
  );
  spec.close();

  it('has one program per family, function and side, and one exit tracepoint per syscall', () => {
    for (const fn of VFS_FUNCTIONS) {
      expect(programs.get(functionProgram('trampoline', fn.name, false))).toBe(`fentry/${fn.name}`);
      expect(programs.get(functionProgram('trampoline', fn.name, true))).toBe(`fexit/${fn.name}`);
      expect(programs.get(functionProgram('probe', fn.name, false))).toBe(`kprobe/${fn.name}`);
      expect(programs.get(functionProgram('probe', fn.name, true))).toBe(`kretprobe/${fn.name}`);
    }
    for (const syscall of TRACEPOINT_SYSCALLS) {
      expect(programs.get(tracepointProgram(syscall))).toBe(`tracepoint/syscalls/sys_exit_${syscall}`);
    }
    expect(programs.get('tracepoint_syscall_exit_tp_btf')).toBe('tp_btf/sys_exit');
    expect(programs.get('tracepoint_syscall_exit_raw_tp')).toBe('raw_tp/sys_exit');
    expect(programs.size).toBe(VFS_FUNCTIONS.length * 4 + TRACEPOINT_SYSCALLS.length + 2);
  });

  it('maps have the layouts the collector decodes', () => {
    expect(maps.get(MAP.totals)).toMatchObject({ kind: 'percpu_array', valueSize: COUNTER_LANES * 8, maxEntries: 1 });
    expect(maps.get(MAP.pids)).toMatchObject({ kind: 'hash', keySize: 4, valueSize: PID_LANES * 8 });
  });
});

describe('program plans', () => {
  const all = { hasKernelFunction: () => true, tpBtf: () => true, rawTracepoint: () => true };
  const noGeneric = { hasKernelFunction: () => true, tpBtf: () => false, rawTracepoint: () => false };

  it('trampoline and probe hook the eight vfs functions, entry or return side by load mode', () => {
    expect([...planPrograms('trampoline', false, all).programs.keys()]).toEqual(VFS_FUNCTIONS.map((f) => `trampoline_${f.name}`));
    expect([...planPrograms('probe', true, all).programs.keys()]).toEqual(VFS_FUNCTIONS.map((f) => `probe_${f.name}_ret`));
  });

  it('tolerates missing vfs_readv/vfs_writev, not a missing required function', () => {
    const noVector = { ...all, hasKernelFunction: (n: string) => n !== 'vfs_readv' && n !== 'vfs_writev' };
    expect([...planPrograms('probe', false, noVector).programs.keys()]).not.toContain('probe_vfs_readv');
    const noCreate = { ...all, hasKernelFunction: (n: string) => n !== 'vfs_create' };
    expect(() => planPrograms('trampoline', true, noCreate)).toThrow(KernelFunctionMissingError);
  });

  it('tracepoint mode is one program on the generic syscall exit: tp_btf, else raw_tp', () => {
    expect([...planPrograms('tracepoint', true, all).programs.keys()]).toEqual(['tracepoint_syscall_exit_tp_btf']);
    const rawOnly = { ...all, tpBtf: () => false };
    expect([...planPrograms('tracepoint', false, rawOnly).programs.keys()]).toEqual(['tracepoint_syscall_exit_raw_tp']);
  });

  it('without tp_btf and raw_tp, per-syscall exit tracepoints, skipping syscalls the architecture lacks', () => {
    const arm64 = new Set(['open', 'creat', 'unlink', 'mknod']);
    const plan = planPrograms('tracepoint', true, noGeneric, (event) => !arm64.has(event.replace('sys_exit_', '')));
    expect([...plan.programs.keys()]).toEqual(TRACEPOINT_SYSCALLS.filter((s) => !arm64.has(s)).map(tracepointProgram));
  });
});
