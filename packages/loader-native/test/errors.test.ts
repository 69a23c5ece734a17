/**
 * How addon errors become BpfError / VerifierError / NotSupportedError. The
 * inputs have the shape native/common.cc MakeError gives them; the kernel
 * tests check the same paths end to end.
 */
import { describe, expect, it } from 'vitest';

import { BpfError, errnoName, errorFromNative, NotSupportedError, VerifierError } from '../src/errors.js';
import type { NativeErrorFields } from '../src/internal-types.js';
import type { ProgramKind } from '../src/types.js';

function nativeError(fields: NativeErrorFields): Error {
  return Object.assign(new Error(fields.nativeOp), fields);
}

const kinds: Record<string, ProgramKind> = {
  trampoline_read: 'fentry',
  trampoline_write: 'fexit',
  btf_fork: 'tp_btf',
  probe_read: 'kprobe',
  tracepoint_fork: 'tracepoint',
};
const kindOf = (p: string): ProgramKind | undefined => kinds[p];

describe('errnoName', () => {
  it('names errnos, including the kernel-internal ENOTSUPP', () => {
    expect(errnoName(1)).toBe('EPERM');
    expect(errnoName(2)).toBe('ENOENT');
    expect(errnoName(22)).toBe('EINVAL');
    expect(errnoName(524)).toBe('ENOTSUPP');
    expect(errnoName(95)).toBe('EOPNOTSUPP');
  });
});

describe('errorFromNative', () => {
  it('an fentry/fexit program refused with EPERM at load is NotSupportedError(fentry)', () => {
    for (const program of ['trampoline_read', 'trampoline_write']) {
      const e = errorFromNative(
        nativeError({ nativeErrno: 1, nativeOp: `load object vfs.bpf.o (program ${program})`, nativeProgram: program, nativeObject: 'vfs.bpf.o' }),
        { kindOf },
      );
      expect(e).toBeInstanceOf(NotSupportedError);
      expect(e).toMatchObject({ feature: 'fentry', code: 'EPERM', errno: 1, program, object: 'vfs.bpf.o' });
      expect((e as Error).message).toBe(`fentry/fexit: load of program '${program}' failed with EPERM: trampolines are not usable on this kernel`);
    }
  });

  it('tp_btf refused with ENOTSUPP is NotSupportedError(tp_btf)', () => {
    const e = errorFromNative(nativeError({ nativeErrno: 524, nativeOp: 'load object x (program btf_fork)', nativeProgram: 'btf_fork' }), { kindOf });
    expect(e).toMatchObject({ name: 'NotSupportedError', feature: 'tp_btf', code: 'ENOTSUPP' });
  });

  it('a verifier log makes a VerifierError, whose message quotes the verdict', () => {
    const log = "0: R1=ctx()\n7: (79) r1 = *(u64 *)(r0 +0)\nR0 invalid mem access 'map_value_or_null'\nprocessed 7 insns (limit 1000000)";
    const e = errorFromNative(
      nativeError({ nativeErrno: 13, nativeOp: 'load object x (program tracepoint_fork)', nativeProgram: 'tracepoint_fork', nativeVerifierLog: log }),
      { kindOf },
    );
    expect(e).toBeInstanceOf(VerifierError);
    expect(e).toMatchObject({ code: 'EACCES', log, program: 'tracepoint_fork' });
    expect((e as Error).message).toContain("R0 invalid mem access 'map_value_or_null'");
  });

  it('an fentry program with a verifier complaint under EINVAL is a VerifierError, not "not supported"', () => {
    const e = errorFromNative(
      nativeError({ nativeErrno: 22, nativeOp: 'load object x (program trampoline_read)', nativeProgram: 'trampoline_read', nativeVerifierLog: 'R1 type=ctx expected=fp' }),
      { kindOf },
    );
    expect(e).toBeInstanceOf(VerifierError);
  });

  it('a feature named by the addon (kprobe attach) is NotSupportedError with the reason in the message', () => {
    const e = errorFromNative(
      nativeError({ nativeErrno: 2, nativeOp: 'attach kprobe vfs_read', nativeFeature: 'kprobe', nativeDetail: 'kprobes are not available on this kernel' }),
    );
    expect(e).toBeInstanceOf(NotSupportedError);
    expect((e as Error).message).toBe('attach kprobe vfs_read: ENOENT: kprobes are not available on this kernel');
  });

  it('attaching an fentry program refused with EOPNOTSUPP is NotSupportedError(fentry)', () => {
    const e = errorFromNative(nativeError({ nativeErrno: 95, nativeOp: 'attach fentry program p' }), { attachingKind: 'fentry' });
    expect(e).toMatchObject({ name: 'NotSupportedError', feature: 'fentry' });
  });

  it('everything else is a plain BpfError carrying libbpf lines; non-native errors pass through', () => {
    const e = errorFromNative(
      nativeError({ nativeErrno: 17, nativeOp: 'update map m', nativeMap: 'm', nativeLog: [[0, 'libbpf: a\nsecond line']] }),
    );
    expect(e).toBeInstanceOf(BpfError);
    expect(e).not.toBeInstanceOf(NotSupportedError);
    expect(e).toMatchObject({ code: 'EEXIST', map: 'm', libbpfLog: ['libbpf: a', 'second line'] });
    const plain = new TypeError('x');
    expect(errorFromNative(plain)).toBe(plain);
  });
});
