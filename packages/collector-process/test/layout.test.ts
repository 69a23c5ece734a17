/**
 * What the generated mirror of bpf/process.h cannot say: every program
 * belongs to one family, and the programs the collector plans exist in the
 * object with the expected sections.
 */
import { describe, expect, it } from 'vitest';
import { PROGRAMS } from '../src/generated/process.js';
import {
  COMMON_PREFIX,
  COMMON_PROGRAMS,
  FAMILY_PREFIX,
  RETURN_MODE_PROGRAMS,
  TRACEPOINT_ERROR_PROGRAMS,
} from '../src/internal-types.js';

describe('program families', () => {
  const progs = new Map<string, string>(Object.entries(PROGRAMS));

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
    // tp_btf twins of the sched programs (plain loads), chosen where the kernel has tp_btf.
    for (const [name, event] of Object.entries(COMMON_PROGRAMS)) expect(progs.get(`${name}_tp_btf`)).toBe(`tp_btf/${event}`);
    expect(progs.get('tracepoint_sched_process_free_tp_btf')).toBe('tp_btf/sched_process_free');
  });
});
