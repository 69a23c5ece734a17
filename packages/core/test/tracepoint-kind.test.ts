/** The kit's choice of hook for typed tracepoint hooks and the programs it plans (no kernel: feature answers are given). */
import { describe, expect, it } from 'vitest';
import type { Link, Program } from '@ebpf-collectors/loader-native';
import { HookOrderEnvError, planTracepointHooks, tracepointKind, typedTracepointProgram } from '../src/index.js';

const features = (tpBtf: boolean, rawTracepoint: boolean) => ({ tpBtf: () => tpBtf, rawTracepoint: () => rawTracepoint });
const hooks = [
  { program: 'tracepoint_a', category: 'cat', event: 'a', typed: true },
  { program: 'tracepoint_b', category: 'cat', event: 'b', raw: true },
  { program: 'tracepoint_c', category: 'cat', event: 'c' },
];

/** Calls each planned attacher on a fake program and says how it attached. */
function attachCalls(programs: Map<string, (p: Program) => Link>): string[] {
  const calls: string[] = [];
  for (const [name, attach] of programs) {
    const program = {
      attachTrace: () => calls.push(`${name}: trace`),
      attachRawTracepoint: (event: string) => calls.push(`${name}: raw ${event}`),
      attachTracepoint: (category: string, event: string) => calls.push(`${name}: tracepoint ${category}/${event}`),
    } as unknown as Program;
    attach(program);
  }
  return calls;
}

describe('typed tracepoint hooks', () => {
  it('take tp_btf, else raw_tp, else the perf-event tracepoint', () => {
    expect(tracepointKind(features(true, true), {})).toBe('tp_btf');
    expect(tracepointKind(features(false, true), {})).toBe('raw_tp');
    expect(tracepointKind(features(false, false), {})).toBe('tracepoint');
  });

  it('follow the environment override, falling back to the perf event when the kernel lacks what it asks', () => {
    expect(tracepointKind(features(true, true), { EBPFC_TRACEPOINT_HOOK: 'raw_tp' })).toBe('raw_tp');
    expect(tracepointKind(features(true, true), { EBPFC_TRACEPOINT_HOOK: ' tracepoint , tp_btf' })).toBe('tracepoint');
    expect(tracepointKind(features(false, true), { EBPFC_TRACEPOINT_HOOK: 'tp_btf' })).toBe('tracepoint');
    expect(() => tracepointKind(features(true, true), { EBPFC_TRACEPOINT_HOOK: 'kprobe' })).toThrow(HookOrderEnvError);
    expect(() => tracepointKind(features(true, true), { EBPFC_TRACEPOINT_HOOK: 'kprobe' })).toThrow(/EBPFC_TRACEPOINT_HOOK="kprobe".*tp_btf, raw_tp, tracepoint/);
  });

  it('plan the twin of the kind for typed hooks only, attached as that kind', () => {
    const exists = () => true;
    expect(attachCalls(planTracepointHooks('x', hooks, exists, 'tracepoint', { kind: 'tp_btf' }))).toEqual([
      'tracepoint_a_tp_btf: trace',
      'tracepoint_b: raw b',
      'tracepoint_c: tracepoint cat/c',
    ]);
    expect(attachCalls(planTracepointHooks('x', hooks, exists, 'tracepoint', { kind: 'raw_tp' }))[0]).toBe('tracepoint_a_raw_tp: raw a');
    expect(attachCalls(planTracepointHooks('x', hooks, exists))[0]).toBe('tracepoint_a: tracepoint cat/a');
    expect(typedTracepointProgram('p', 'tracepoint')).toBe('p');
  });

  it('still need the event, and one event per typed program', () => {
    expect(() => planTracepointHooks('x', hooks, (_c, e) => e !== 'a', 'trampoline', { kind: 'tp_btf' })).toThrow('x trampoline: the kernel has no tracepoint cat/a');
    const twice = [hooks[0]!, { ...hooks[0]!, event: 'a2' }];
    expect(() => planTracepointHooks('x', twice, () => true, 'tracepoint', { kind: 'raw_tp' })).toThrow(/lists 2 events/);
  });
});
