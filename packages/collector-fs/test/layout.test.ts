/**
 * What the generated mirrors of bpf/fd.h and bpf/filesystem.h cannot say:
 * the per-PID struct uses the global lanes' order, the maps are what the
 * loader sees, and every program a plan names exists (and no other).
 * Opens the objects (ELF + BTF parsing only): no kernel access, no root.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLoader, type ObjectSpec } from '@ebpf-collectors/loader-native';
import { FdPidStatLane } from '../src/generated/fd.js';
import {
  FD_GLOBAL,
  FD_LANE,
  FD_LANES,
  FD_MAP,
  FD_TRACEPOINTS,
  FD_TRAMPOLINE_CLOSE_EXIT,
  FD_TRAMPOLINE_OPEN_EXIT,
  FILESYSTEMS,
  FS_MAP,
  FS_OPS,
  FS_PROBE_ENTRY,
  FS_TRACEPOINT_PAIRS,
  HIST_LANES,
  PID_GLOBAL,
  fsProgramNames,
} from '../src/internal-types.js';

const FD_OBJECT = fileURLToPath(new URL('../bpf/fd.bpf.o', import.meta.url));
const FS_OBJECT = fileURLToPath(new URL('../bpf/filesystem.bpf.o', import.meta.url));
const built = existsSync(FD_OBJECT) && existsSync(FS_OBJECT);

describe('fd lanes', () => {
  it('struct ebpfc_fd_pid_stat has the fields of enum ebpfc_fd_counter in the same order', () => {
    expect(Object.values(FdPidStatLane)).toEqual(Object.values(FD_LANE));
    expect(Object.keys(FdPidStatLane)).toEqual(['openCall', 'openErr', 'closeCall', 'closeErr']);
  });
});

describe.skipIf(!built)('object layouts (skipped until `pnpm build`)', () => {
  const loader = createLoader();
  const specs: ObjectSpec[] = [];
  const open = (path: string) => {
    const spec = loader.openObject(path);
    specs.push(spec);
    return spec;
  };
  afterAll(() => {
    for (const spec of specs) spec.close();
  });

  it('fd.bpf.o: counters, pid table, switches and every program a plan names', () => {
    const spec = open(FD_OBJECT);
    expect(spec.map(FD_MAP.global)).toMatchObject({ kind: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: FD_LANES });
    expect(spec.map(FD_MAP.pids)).toMatchObject({ kind: 'hash', keySize: 4, valueSize: FD_LANES * 8, maxEntries: 32768 });
    const globals = spec.globals().map((g) => g.name);
    expect(globals).toEqual(expect.arrayContaining([...Object.values(FD_GLOBAL), ...Object.values(PID_GLOBAL)]));
    const programs = [
      ...Object.keys(FD_TRACEPOINTS),
      ...Object.values(FD_TRAMPOLINE_OPEN_EXIT),
      ...Object.values(FD_TRAMPOLINE_CLOSE_EXIT),
      'trampoline_open_entry',
      'trampoline_close_entry',
      'probe_open_entry',
      'probe_open_exit',
      'probe_close_entry',
      'probe_close_exit',
    ];
    for (const name of programs) expect(spec.programs.has(name), name).toBe(true);
    // Every program belongs to one attach-mode family.
    for (const name of spec.programs.keys()) expect(name).toMatch(/^(trampoline|probe|tracepoint)_/);
  });

  it('filesystem.bpf.o: a 480-lane histogram, an LRU start table, the watch mask and every program', () => {
    const spec = open(FS_OBJECT);
    expect(spec.map(FS_MAP.hist)).toMatchObject({ kind: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: HIST_LANES });
    expect(spec.map(FS_MAP.start)).toMatchObject({ kind: 'lru_hash', keySize: 4, valueSize: 16 });
    expect(spec.map(FS_MAP.watch)).toMatchObject({ kind: 'array', keySize: 4, valueSize: 4, maxEntries: 1 });
    const names = new Set<string>([FS_PROBE_ENTRY]);
    for (const fs of FILESYSTEMS) {
      for (const op of FS_OPS) for (const p of Object.values(fsProgramNames(fs, op))) names.add(p);
    }
    for (const { syscall } of FS_TRACEPOINT_PAIRS) names.add(`tracepoint_sys_enter_${syscall}`).add(`tracepoint_sys_exit_${syscall}`);
    for (const side of ['enter', 'exit']) for (const hook of ['tp_btf', 'raw_tp']) names.add(`tracepoint_syscall_${side}_${hook}`);
    expect([...spec.programs.keys()].sort()).toEqual([...names].sort());
  });
});
