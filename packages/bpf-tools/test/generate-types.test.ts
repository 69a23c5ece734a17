/**
 * The build tool on a small object: it compiles with the shared headers and
 * the TypeScript it generates carries the compiler's values (enums, macros,
 * struct layouts) and the object's maps, globals and programs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM without declarations
import { buildBpfObject } from '../src/build.mjs';

const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'ebpfc-bpf-tools-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('ebpfc-bpf-build', () => {
  const first = buildBpfObject({ name: 'demo', srcDir: fixtures, outDir: join(work, 'bpf'), tsOutDir: join(work, 'gen') });

  it('builds the object and its TypeScript module', () => {
    expect(first.built).toBe(true);
    expect(first.typesBuilt).toBe(true);
    expect(first.types).toBe(join(work, 'gen', 'demo.ts'));
  });

  it('does nothing the second time', () => {
    const again = buildBpfObject({ name: 'demo', srcDir: fixtures, outDir: join(work, 'bpf'), tsOutDir: join(work, 'gen') });
    expect(again).toMatchObject({ built: false, typesBuilt: false });
  });

  it('generates the values the compiler sees', async () => {
    const gen = await import(first.types);
    expect(gen.EBPFC_DEMO_SWITCH_OUT).toBe(1);
    expect(gen.EBPFC_DEMO_COUNTERS).toBe(2);
    // The whole common prefix goes, down to a word boundary.
    expect(gen.DemoCounter).toEqual({ in: 0, out: 1 });
    expect(gen.DEMO_COUNTER_NAMES).toEqual(['in', 'out']);
    expect(gen.DemoFlag).toEqual({ a: 1, b: 4 });
    expect(gen.DemoEvent).toEqual({ sent: 0, recv: 1, retransmit: 2, accepted: 3 });
    expect(gen.EBPFC_DEMO_MAGIC).toBe(0x9123683e);
    expect(gen.EBPFC_DEMO_BIG).toBe(2 ** 40);
    expect(gen.EBPFC_DEMO_DERIVED).toBe(48);
    expect(gen.DEMO_ENTRIES).toBe(128);
    expect(gen).not.toHaveProperty('EBPFC_DEMO_NOT_A_NUMBER');
    expect(gen).not.toHaveProperty('EBPFC_DEMO_FN');
    expect(gen.DemoPidStatLane).toEqual({ switchIn: 0, switchOut: 1 });
    expect(gen.DEMO_PID_STAT_LANES).toBe(2);
    expect(gen.DemoKeyLayout.size).toBe(20);
    expect(gen.DemoKeyLayout.fields.port).toEqual({ name: 'port', offset: 16, size: 2, kind: 'u16' });
    expect(gen.DemoKeyLayout.fields.addr.kind).toBe('u32[4]');
    expect(gen).not.toHaveProperty('DemoKeyLane');
    expect(gen).not.toHaveProperty('DemoLocalLayout');
    expect(gen.DEMO_PAIR_LANES).toBe(9);
    expect(gen.DemoPairLane).toEqual({ a: 0, b: 1 });
    expect(readFileSync(first.types, 'utf8')).toContain('// DEMO_PAIR_LANES not generated: the name is already taken');
  });

  it('lists the maps, globals and programs of the object', async () => {
    const gen = await import(first.types);
    expect(gen.MAPS.tbl_demo_totals).toMatchObject({ type: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 2 });
    expect(gen.MAPS.tbl_demo_pid).toMatchObject({ type: 'hash', keySize: 20, valueSize: 16, maxEntries: 128, valueType: 'struct ebpfc_demo_pid_stat' });
    expect(gen.GLOBALS).toEqual({ demo_knob: { section: '.rodata', size: 4 } });
    expect(gen.PROGRAMS).toEqual({ tracepoint_demo_switch: 'tp_btf/sched_switch', common_demo_exit: 'raw_tp/sched_process_exit' });
    expect(readFileSync(first.types, 'utf8')).toMatch(/^\/\/ ebpfc-types-stamp [0-9a-f]{16}\n/);
  });
});
