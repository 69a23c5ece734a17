/**
 * The TypeScript mirror of bpf/sync.h and the programs of the built object
 * must match the C side; the per-mode plans hook what they should.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KernelFunctionMissingError, TracepointMissingError } from '@ebpf-collectors/core';
import { createLoader } from '@ebpf-collectors/loader-native';
import { planPrograms } from '../src/index.js';
import { COUNTER, COUNTER_LANES, MAP, SYSCALLS, programOf } from '../src/internal-types.js';

const header = readFileSync(fileURLToPath(new URL('../../../bpf/sync.h', import.meta.url)), 'utf8');
const OBJECT = fileURLToPath(new URL('../bpf/sync.bpf.o', import.meta.url));

function enumValue(name: string): number {
  const match = new RegExp(`\\b${name}\\s*=\\s*(\\d+)`).exec(header);
  if (!match) throw new Error(`${name} not in sync.h`);
  return Number(match[1]);
}

describe('sync.h mirror and plans', () => {
  it('counter lanes match enum ebpfc_sync_counter', () => {
    for (const [syscall, lane] of Object.entries(COUNTER)) expect(lane, syscall).toBe(enumValue(`EBPFC_SYNC_${syscall.toUpperCase()}`));
    expect(COUNTER_LANES).toBe(enumValue('EBPFC_SYNC_COUNTERS'));
  });

  it.skipIf(!existsSync(OBJECT))('the object has one program per syscall and mode, and the counter map', () => {
    const spec = createLoader().openObject(OBJECT);
    try {
      const names = [...spec.programs.keys()].sort();
      const wanted = SYSCALLS.flatMap((s) => (['trampoline', 'probe', 'tracepoint'] as const).map((m) => programOf(m, s))).sort();
      expect(names).toEqual(wanted);
      expect([...spec.maps.keys()]).toContain(MAP.totals);
    } finally {
      spec.close();
    }
  });

  it('trampoline and probe hook the first syscall function the kernel has (x86-64, then arm64 names)', () => {
    const arm64 = { hasKernelFunction: (fn: string) => fn.startsWith('__arm64_sys_') };
    const plan = planPrograms('trampoline', ['fsync', 'sync_file_range'], arm64);
    expect(plan.hooked).toEqual(['__arm64_sys_fsync', '__arm64_sys_sync_file_range']);
    expect([...plan.targets!.entries()]).toEqual([
      ['trampoline_sync_fsync', '__arm64_sys_fsync'],
      ['trampoline_sync_sync_file_range', '__arm64_sys_sync_file_range'],
    ]);
    const x64 = planPrograms('probe', SYSCALLS, { hasKernelFunction: (fn) => fn.startsWith('__x64_sys_') });
    expect([...x64.programs.keys()]).toEqual(SYSCALLS.map((s) => programOf('probe', s)));
    expect(() => planPrograms('probe', ['msync'], { hasKernelFunction: () => false })).toThrow(KernelFunctionMissingError);
    // 6.18 on x86-64: __x64_sys_sync is an alias of __do_sys_sync, and only the latter is in BTF.
    const aliased = planPrograms('trampoline', ['sync'], { hasKernelFunction: (fn) => fn === '__do_sys_sync' });
    expect(aliased.hooked).toEqual(['__do_sys_sync']);
  });

  it('tracepoint mode hooks syscalls/sys_enter_<syscall> of the enabled syscalls only', () => {
    const seen: string[] = [];
    const plan = planPrograms('tracepoint', ['sync', 'syncfs'], { hasKernelFunction: () => false }, (category, event) => {
      seen.push(`${category}/${event}`);
      return true;
    });
    expect(seen).toEqual(['syscalls/sys_enter_sync', 'syscalls/sys_enter_syncfs']);
    expect([...plan.programs.keys()]).toEqual(['tracepoint_sync_sync', 'tracepoint_sync_syncfs']);
    expect(() => planPrograms('tracepoint', ['sync'], { hasKernelFunction: () => true }, () => false)).toThrow(TracepointMissingError);
  });
});
