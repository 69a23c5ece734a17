/**
 * The TypeScript constants against the built objects: map layouts, the
 * programs each family needs, and the definitions against core's module table.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NETDATA_MODULES } from '@ebpf-collectors/core';
import { createLoader } from '@ebpf-collectors/loader-native';
import { collectors, hardirqCollector, irqMetrics, softirqCollector } from '../src/index.js';
import {
  DEFAULT_LINE_CAPACITY,
  HARDIRQ_GLOBAL,
  HARDIRQ_MAP,
  HARDIRQ_VECTORS,
  HARDIRQ_VECTOR_EVENTS,
  LATENCY_VALUE_SIZE,
  NAME_LEN,
  SOFTIRQ_MAP,
  SOFTIRQ_VECTORS,
  hardirqLinePair,
  hardirqVectorPair,
  softirqPair,
} from '../src/internal-types.js';

const object = (name: string) => fileURLToPath(new URL(`../bpf/${name}.bpf.o`, import.meta.url));

describe('object layouts', () => {
  const loader = createLoader();

  it('hardirq.bpf.o: maps, globals and both families of every hook', () => {
    const spec = loader.openObject(object('hardirq'));
    try {
      expect(spec.map(HARDIRQ_MAP.lines)).toMatchObject({ kind: 'percpu_array', keySize: 4, valueSize: LATENCY_VALUE_SIZE, maxEntries: DEFAULT_LINE_CAPACITY });
      expect(spec.map(HARDIRQ_MAP.spill)).toMatchObject({ kind: 'percpu_hash', keySize: 4, valueSize: LATENCY_VALUE_SIZE });
      expect(spec.map(HARDIRQ_MAP.vectors)).toMatchObject({ kind: 'percpu_array', valueSize: LATENCY_VALUE_SIZE, maxEntries: HARDIRQ_VECTORS });
      expect(spec.map(HARDIRQ_MAP.names)).toMatchObject({ kind: 'array', valueSize: NAME_LEN, maxEntries: DEFAULT_LINE_CAPACITY });
      expect(spec.globals()).toContainEqual({ name: HARDIRQ_GLOBAL.capacity, size: 4 });
      for (const mode of ['trampoline', 'tracepoint'] as const) {
        const pairs = [hardirqLinePair(mode), ...HARDIRQ_VECTOR_EVENTS.map((e) => hardirqVectorPair(mode, e))];
        for (const pair of pairs) {
          const kind = mode === 'trampoline' ? 'tp_btf' : 'tracepoint';
          expect(spec.program(pair.entryProgram).kind).toBe(kind);
          expect(spec.program(pair.exitProgram).kind).toBe(kind);
          const section = mode === 'trampoline' ? `tp_btf/${pair.entryEvent}` : `tracepoint/${pair.category}/${pair.entryEvent}`;
          expect(spec.program(pair.entryProgram).sectionName).toBe(section);
        }
      }
      expect([...spec.programs.keys()].filter((n) => n.startsWith('probe_'))).toEqual([]);
    } finally {
      spec.close();
    }
  });

  it('softirq.bpf.o: one slot per vector, both families', () => {
    const spec = loader.openObject(object('softirq'));
    try {
      expect(spec.map(SOFTIRQ_MAP.vectors)).toMatchObject({ kind: 'percpu_array', valueSize: LATENCY_VALUE_SIZE, maxEntries: SOFTIRQ_VECTORS });
      for (const mode of ['trampoline', 'tracepoint'] as const) {
        const pair = softirqPair(mode);
        expect(spec.program(pair.entryProgram).kind).toBe(mode === 'trampoline' ? 'tp_btf' : 'tracepoint');
        expect(spec.program(pair.exitProgram).kind).toBe(mode === 'trampoline' ? 'tp_btf' : 'tracepoint');
      }
    } finally {
      spec.close();
    }
  });

  it('has as many slots as dimensions', () => {
    expect(irqMetrics.SOFTIRQ_DIMENSIONS).toHaveLength(SOFTIRQ_VECTORS);
    expect(irqMetrics.HARDIRQ_VECTOR_DIMENSIONS).toHaveLength(HARDIRQ_VECTORS);
    expect(HARDIRQ_VECTOR_EVENTS).toHaveLength(HARDIRQ_VECTORS);
  });
});

describe('definitions', () => {
  it('match core’s module table and come as a collectors array, hardirq first', () => {
    expect(collectors).toEqual([hardirqCollector, softirqCollector]);
    for (const definition of collectors) {
      const module = NETDATA_MODULES.find((m) => m.name === definition.name)!;
      expect(module).toBeDefined();
      expect(definition).toMatchObject({
        configKeys: module.configKeys,
        configFile: module.configFile,
        cliFlag: module.cliFlag,
        enabledByDefault: module.enabledByDefault,
        defaultCollectPid: module.defaultCollectPid,
      });
      expect(definition.modes).toEqual(['trampoline', 'tracepoint']);
    }
    expect(hardirqCollector).toMatchObject({ name: 'hardirq', configKeys: ['hardirq'], configFile: 'hardirq.conf', cliFlag: 'hardirq' });
    expect(softirqCollector).toMatchObject({ name: 'softirq', configKeys: ['softirq'], configFile: 'softirq.conf', cliFlag: 'softirq' });
  });
});
