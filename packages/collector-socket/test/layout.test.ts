/**
 * What the generated mirror of bpf/socket.h cannot say: the lanes the
 * collector renames cover every lane, the maps are what the loader sees, and
 * every program a hook table names exists in its family with the section its
 * attach step expects. Reads the built object (ELF only, nothing is loaded).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLoader } from '@ebpf-collectors/loader-native';
import {
  ACCEPT_HOOKS,
  ACCEPT_SYSCALL_EXIT_PROGRAM,
  COUNTER,
  COUNTER_LANES,
  FAMILY_PREFIX,
  GLOBAL,
  MAP,
  NV_KEY,
  NV_LANE,
  NV_LANES,
  PID_LANE,
  PID_LANES,
  PROBE_HOOKS,
  SOCK_LENGTH_HOOKS,
  SYSCALL_IO_HOOKS,
  TRACEPOINT_HOOKS,
  TRAMPOLINE_HOOKS,
} from '../src/internal-types.js';

const OBJECT = fileURLToPath(new URL('../bpf/socket.bpf.o', import.meta.url));
describe('lane order', () => {
  it('per-PID and network viewer lanes are dense, so per-CPU copies sum lane by lane', () => {
    expect(Object.values(PID_LANE).sort((x, y) => x - y)).toEqual([...Array(PID_LANES).keys()]);
    expect(Object.values(NV_LANE)).toEqual([...Array(NV_LANES).keys()]);
    expect(Object.values(COUNTER).sort((x, y) => x - y)).toEqual([...Array(COUNTER_LANES).keys()]);
  });
});

describe.skipIf(!existsSync(OBJECT))('the built object', () => {
  const spec = existsSync(OBJECT) ? createLoader().openObject(OBJECT) : undefined;

  it('has the maps with the layouts the collector decodes', () => {
    const totals = spec!.map(MAP.totals);
    expect([totals.kind, totals.valueSize, totals.maxEntries]).toEqual(['percpu_array', 8, COUNTER_LANES]);
    const pids = spec!.map(MAP.pids);
    expect([pids.kind, pids.keySize, pids.valueSize]).toEqual(['hash', 4, PID_LANES * 8]);
    const io = spec!.map(MAP.sockIo);
    expect([io.kind, io.keySize]).toEqual(['lru_hash', 8]);
    for (const name of [MAP.connV4, MAP.connV6]) {
      const conn = spec!.map(name);
      expect([conn.kind, conn.keySize, conn.valueSize]).toEqual(['lru_hash', NV_KEY.size, NV_LANES * 8]);
    }
    expect(spec!.map(MAP.nvSocket).kind).toBe('lru_hash');
    const globals = spec!.globals().map((g) => g.name);
    for (const name of Object.values(GLOBAL)) expect(globals).toContain(name);
  });

  it('has every planned program, in one family each, with the section its attach step expects', () => {
    const programs = spec!.programs;
    for (const p of programs.values()) {
      expect(Object.values(FAMILY_PREFIX).filter((prefix) => p.name.startsWith(prefix)), p.name).toHaveLength(1);
    }
    for (const hook of TRAMPOLINE_HOOKS) {
      expect(programs.get(hook.program)?.sectionName, hook.program).toMatch(new RegExp(`^(fentry|fexit)/${hook.fn}$`));
    }
    for (const hook of PROBE_HOOKS) {
      expect(programs.get(hook.program)?.sectionName, hook.program).toBe(`${hook.retprobe ? 'kretprobe' : 'kprobe'}/${hook.fn}`);
    }
    // A program attached to several events is named in its section after one of them.
    const tracepoints = [...TRACEPOINT_HOOKS, ...ACCEPT_HOOKS, ...SOCK_LENGTH_HOOKS, ...SYSCALL_IO_HOOKS];
    const sections = new Map<string, string[]>();
    for (const hook of tracepoints) {
      const section = hook.raw ? `raw_tp/${hook.event}` : `tracepoint/${hook.category}/${hook.event}`;
      sections.set(hook.program, [...(sections.get(hook.program) ?? []), section]);
    }
    // Typed hooks have tp_btf and raw_tp twins on the same event.
    for (const hook of tracepoints.filter((h) => h.typed)) {
      sections.set(`${hook.program}_tp_btf`, [`tp_btf/${hook.event}`]);
      sections.set(`${hook.program}_raw_tp`, [`raw_tp/${hook.event}`]);
    }
    // The accept exits' generic twin on the syscall exit (EBPFC_SYSCALL_EXIT_PROGRAMS).
    sections.set(`${ACCEPT_SYSCALL_EXIT_PROGRAM}_tp_btf`, ['tp_btf/sys_exit']);
    sections.set(`${ACCEPT_SYSCALL_EXIT_PROGRAM}_raw_tp`, ['raw_tp/sys_exit']);
    for (const [program, allowed] of sections) expect(allowed, program).toContain(programs.get(program)?.sectionName);
    expect(programs.size).toBe(TRAMPOLINE_HOOKS.length + PROBE_HOOKS.length + sections.size);
    spec!.close();
  });
});
