/** The kit's choice of hook for a syscall collector's exits (no kernel: feature answers are given). */
import { describe, expect, it } from 'vitest';
import { HookOrderEnvError, planSyscallExit, syscallExitHookOrder, syscallExitPrograms } from '../src/index.js';

const perSyscall = () => ({ programs: new Map([['tracepoint_sys_exit_read', () => ({}) as never]]), hooked: ['syscalls/sys_exit_read'] });
const features = (tpBtf: boolean, rawTracepoint: boolean) => ({ tpBtf: () => tpBtf, rawTracepoint: () => rawTracepoint });

describe('planSyscallExit', () => {
  it('takes tp_btf, else raw_tp, else the per-syscall tracepoints', () => {
    const env = {};
    expect(planSyscallExit({ program: 'tracepoint_syscall_exit', perSyscall, env }, features(true, true))).toMatchObject({
      hook: 'tp_btf',
      hooked: ['sys_exit (tp_btf)'],
    });
    const raw = planSyscallExit({ program: 'tracepoint_syscall_exit', perSyscall, env }, features(false, true));
    expect([raw.hook, [...raw.programs.keys()]]).toEqual(['raw_tp', ['tracepoint_syscall_exit_raw_tp']]);
    const old = planSyscallExit({ program: 'tracepoint_syscall_exit', perSyscall, env }, features(false, false));
    expect([old.hook, [...old.programs.keys()], old.hooked]).toEqual(['tracepoint', ['tracepoint_sys_exit_read'], ['syscalls/sys_exit_read']]);
  });

  it('follows a collector order and the environment override', () => {
    const plan = planSyscallExit({ program: 'p', perSyscall, order: ['tracepoint'], env: {} }, features(true, true));
    expect(plan.hook).toBe('tracepoint');
    expect(planSyscallExit({ program: 'p', perSyscall, env: { EBPFC_SYSCALL_EXIT: 'raw_tp' } }, features(true, true)).hook).toBe('raw_tp');
    // Asked for a generic hook the kernel lacks: the per-syscall tracepoints still work.
    expect(planSyscallExit({ program: 'p', perSyscall, env: { EBPFC_SYSCALL_EXIT: 'tp_btf' } }, features(false, true)).hook).toBe('tracepoint');
  });

  it('a collector that prefers the per-syscall tracepoints still gets a generic hook when they cannot be planned', () => {
    const noTracefs = () => {
      throw new Error('tracefs is not mounted');
    };
    const plan = planSyscallExit({ program: 'p', perSyscall: noTracefs, order: ['tracepoint', 'tp_btf', 'raw_tp'], env: {} }, features(true, true));
    expect(plan.hook).toBe('tp_btf');
    expect(() => planSyscallExit({ program: 'p', perSyscall: noTracefs, order: ['tracepoint', 'tp_btf'], env: {} }, features(false, false))).toThrow(
      'tracefs is not mounted',
    );
  });

  it('shares a generic hook another collector planned when asked, unless the environment says otherwise', () => {
    const planned = new Set<'tp_btf' | 'raw_tp'>();
    const order = ['tracepoint', 'tp_btf', 'raw_tp'] as const;
    expect(planSyscallExit({ program: 'p', perSyscall, order, shareGeneric: true, planned, env: {} }, features(true, true)).hook).toBe('tracepoint');
    expect(planSyscallExit({ program: 'q', perSyscall, planned, env: {} }, features(true, true)).hook).toBe('tp_btf');
    expect([...planned]).toEqual(['tp_btf']);
    expect(planSyscallExit({ program: 'p', perSyscall, order, shareGeneric: true, planned, env: {} }, features(true, true)).hook).toBe('tp_btf');
    expect(planSyscallExit({ program: 'p', perSyscall, order, planned, env: {} }, features(true, true)).hook).toBe('tracepoint');
    for (const env of [{ EBPFC_SYSCALL_EXIT: 'tracepoint' }, { EBPFC_SYSCALL_EXIT_SHARE: 'no' }]) {
      expect(planSyscallExit({ program: 'p', perSyscall, order, shareGeneric: true, planned, env }, features(true, true)).hook).toBe('tracepoint');
    }
  });

  it('hooks the entry too when asked, entry first', () => {
    const plan = planSyscallExit({ program: 'x_exit', enterProgram: 'x_enter', perSyscall, env: {} }, features(false, true));
    expect([...plan.programs.keys()]).toEqual(['x_enter_raw_tp', 'x_exit_raw_tp']);
    expect(plan.hooked).toEqual(['sys_enter (raw_tp)', 'sys_exit (raw_tp)']);
  });

  it('names the programs EBPFC_SYSCALL_EXIT_PROGRAMS defines', () => {
    expect(syscallExitPrograms('x')).toEqual({ tp_btf: 'x_tp_btf', raw_tp: 'x_raw_tp' });
  });

  it('refuses an unknown hook in the environment, naming the variable and the choices', () => {
    expect(syscallExitHookOrder(undefined, { EBPFC_SYSCALL_EXIT: ' tracepoint , tp_btf' })).toEqual(['tracepoint', 'tp_btf']);
    expect(() => syscallExitHookOrder(undefined, { EBPFC_SYSCALL_EXIT: 'kprobe' })).toThrow(HookOrderEnvError);
    expect(() => syscallExitHookOrder(undefined, { EBPFC_SYSCALL_EXIT: 'kprobe' })).toThrow(/EBPFC_SYSCALL_EXIT="kprobe".*tp_btf, raw_tp, tracepoint/);
  });
});
