/**
 * The TypeScript mirror of bpf/process.h and the program names of
 * bpf/process.bpf.c must match the C side: a mismatch decodes the wrong lane
 * or autoloads nothing.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  COMMON_PREFIX,
  COMMON_PROGRAMS,
  COUNTER,
  COUNTER_LANES,
  FAMILY_PREFIX,
  GLOBAL,
  MAP,
  PID_LANE,
  PID_LANES,
  RETURN_MODE_PROGRAMS,
  TRACEPOINT_ERROR_PROGRAMS,
} from '../src/internal-types.js';

const header = readFileSync(fileURLToPath(new URL('../../../bpf/process.h', import.meta.url)), 'utf8');
const source = readFileSync(fileURLToPath(new URL('../../../bpf/process.bpf.c', import.meta.url)), 'utf8');
const pidHeader = readFileSync(fileURLToPath(new URL('../../../bpf/include/ebpfc_pid.h', import.meta.url)), 'utf8');

function enumValue(name: string): number {
  const match = new RegExp(`\\b${name}\\s*=\\s*(\\d+)`).exec(header);
  if (!match) throw new Error(`${name} not in process.h`);
  return Number(match[1]);
}

/** `SEC("...")` followed by the function it names. */
function programs(): Map<string, string> {
  const out = new Map<string, string>();
  const re = /SEC\("([^"]+)"\)\s*\n\s*int\s+(?:BPF_PROG|BPF_KPROBE|BPF_KRETPROBE)?\(?\s*(\w+)/g;
  for (const m of source.matchAll(re)) out.set(m[2]!, m[1]!);
  return out;
}

describe('process.h mirror', () => {
  it('counter lanes match enum ebpfc_process_counter', () => {
    expect(COUNTER.exit).toBe(enumValue('EBPFC_PROCESS_EXIT'));
    expect(COUNTER.release).toBe(enumValue('EBPFC_PROCESS_RELEASE'));
    expect(COUNTER.newProcess).toBe(enumValue('EBPFC_PROCESS_NEW_PROCESS'));
    expect(COUNTER.processError).toBe(enumValue('EBPFC_PROCESS_PROCESS_ERROR'));
    expect(COUNTER.newThread).toBe(enumValue('EBPFC_PROCESS_NEW_THREAD'));
    expect(COUNTER.threadError).toBe(enumValue('EBPFC_PROCESS_THREAD_ERROR'));
    expect(COUNTER_LANES).toBe(enumValue('EBPFC_PROCESS_COUNTERS'));
  });

  it('per-PID lanes follow the u64 fields of struct ebpfc_process_pid_stat in order', () => {
    const body = /struct ebpfc_process_pid_stat \{([^}]*)\}/.exec(header)![1]!;
    const fields = [...body.matchAll(/(\w+)\s+(\w+);/g)].map((m) => ({ type: m[1], name: m[2] }));
    expect(fields.every((f) => f.type === '__u64')).toBe(true);
    expect(fields.map((f) => f.name)).toEqual(['exit_call', 'release_call', 'create_process', 'create_thread', 'task_err']);
    expect(PID_LANES).toBe(fields.length);
    expect([PID_LANE.exit, PID_LANE.release, PID_LANE.createProcess, PID_LANE.createThread, PID_LANE.taskError]).toEqual([0, 1, 2, 3, 4]);
  });

  it('maps and globals exist under the names the collector uses', () => {
    for (const name of Object.values(MAP)) expect(source).toMatch(new RegExp(`\\}\\s*${name}\\s+SEC\\("\\.maps"\\)|\\(${name},`));
    for (const name of Object.values(GLOBAL)) expect(pidHeader).toMatch(new RegExp(`const volatile \\w+ ${name}\\b`));
  });
});

describe('program families', () => {
  const progs = programs();

  it('every program is common or belongs to exactly one mode family', () => {
    expect(progs.size).toBeGreaterThan(0);
    for (const name of progs.keys()) {
      const families = [COMMON_PREFIX, ...Object.values(FAMILY_PREFIX)].filter((p) => name.startsWith(p));
      expect(families, name).toHaveLength(1);
    }
  });

  it('names the collector plans exist with the expected section', () => {
    for (const [name, event] of Object.entries(COMMON_PROGRAMS)) expect(progs.get(name)).toBe(`raw_tp/${event}`);
    for (const [name, event] of Object.entries(TRACEPOINT_ERROR_PROGRAMS)) {
      expect(progs.get(name)).toBe(`tracepoint/syscalls/${event}`);
    }
    for (const name of RETURN_MODE_PROGRAMS) expect(progs.has(name), name).toBe(true);
    expect(progs.get('trampoline_release_task')).toBe('fentry/release_task');
    expect(progs.get('trampoline_kernel_clone')).toBe('fexit/kernel_clone');
    expect(progs.get('probe_release_task')).toBe('kprobe/release_task');
    expect(progs.get('probe_kernel_clone_entry')).toBe('kprobe/kernel_clone');
    expect(progs.get('probe_kernel_clone_exit')).toBe('kretprobe/kernel_clone');
    expect(progs.get('tracepoint_sched_process_free')).toBe('raw_tp/sched_process_free');
  });
});
