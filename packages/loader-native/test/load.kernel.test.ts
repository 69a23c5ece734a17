/**
 * Open and load: the verifier's verdict, autoload, const volatile globals,
 * in-memory images, libbpf's log routing, and the spec's one-shot lifecycle.
 */
import { readFileSync } from 'node:fs';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { BpfError, createLoader, ensureTracefs, openObject, VerifierError, type BpfObject } from '../src/index.js';
import { collectingLogger, getppidWorkload, isRoot, objectPath, u32 } from './helpers.js';

const N = 1000;

describe.runIf(isRoot)('open and load', () => {
  const open: BpfObject[] = [];

  beforeAll(() => {
    ensureTracefs();
  });

  afterEach(() => {
    for (const o of open.splice(0)) o.close();
  });

  it('a program the verifier rejects fails the load with VerifierError carrying its log', async () => {
    const logger = collectingLogger();
    const spec = openObject(objectPath('verifier'), { logger });
    const error = await spec.load().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VerifierError);
    const e = error as VerifierError;
    expect(e).toBeInstanceOf(BpfError);
    expect(e.program).toBe('lnt_bad');
    expect(e.object).toBe('verifier.bpf.o');
    expect(e.code).toBe('EACCES');
    expect(e.op).toBe('load object verifier.bpf.o (program lnt_bad)');
    expect(e.log).toContain("invalid mem access 'map_value_or_null'");
    expect(e.message).toContain("invalid mem access 'map_value_or_null'");
    // The same lines went to the object's logger, as libbpf printed them.
    expect(logger.lines.some(([level, m]) => level === 'warn' && m.includes("invalid mem access 'map_value_or_null'"))).toBe(true);
    // A failed load consumes the spec.
    await expect(spec.load()).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('autoload = false skips the rejected program; the rest loads and counts', async () => {
    const spec = openObject(objectPath('verifier'), { logger: collectingLogger() });
    expect(spec.program('lnt_bad').autoload).toBe(true);
    spec.program('lnt_bad').autoload = false;
    expect(spec.program('lnt_bad').autoload).toBe(false);
    spec.setGlobal('target_tgid', process.pid);
    const obj = await spec.load();
    open.push(obj);

    expect([...obj.programs.keys()]).toEqual(['lnt_good']);
    expect(() => obj.program('lnt_bad')).toThrow(expect.objectContaining({ code: 'ENOENT', message: expect.stringContaining('autoload was false') }));
    obj.program('lnt_good').attach();
    getppidWorkload(N);
    expect(obj.map('hits').lookup(u32(0))?.readBigUInt64LE(0)).toBeGreaterThanOrEqual(BigInt(N));
  });

  it('setGlobal changes what the program does', async () => {
    const run = async (tgid: number, increment: bigint): Promise<bigint> => {
      const spec = openObject(objectPath('counters'), { logger: collectingLogger() });
      spec.setGlobal('target_tgid', tgid);
      spec.setGlobal('increment', increment);
      const obj = await spec.load();
      open.push(obj);
      obj.program('lnt_tp_getppid').attach();
      getppidWorkload(N);
      return obj.map('counts').readU64Array()[0]!;
    };
    const sevens = await run(process.pid, 7n);
    expect(sevens).toBeGreaterThanOrEqual(7n * BigInt(N));
    expect(sevens % 7n).toBe(0n);
    // Another process's tgid: our own calls no longer count.
    expect(await run(0x7fff_fff0, 1n)).toBe(0n);
  });

  it('globals() lists the const volatile globals; setGlobal checks names and sizes', () => {
    const spec = openObject(objectPath('counters'), { logger: collectingLogger() });
    try {
      expect(spec.globals()).toEqual([
        { name: 'target_tgid', size: 4 },
        { name: 'increment', size: 8 },
      ]);
      expect(() => spec.setGlobal('nope', 1)).toThrow(expect.objectContaining({ name: 'BpfError', code: 'ENOENT' }));
      expect(() => spec.setGlobal('target_tgid', 2 ** 32)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => spec.setGlobal('target_tgid', Buffer.alloc(8))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      spec.setGlobal('target_tgid', -1);
      spec.setGlobal('target_tgid', Buffer.from([1, 2, 3, 4]));
      spec.setGlobal('increment', true);
    } finally {
      spec[Symbol.dispose]();
    }
  });

  it('opens an in-memory ELF image under the given name', async () => {
    const loader = createLoader({ logger: collectingLogger() });
    const spec = loader.openObject(readFileSync(objectPath('counters')), { name: 'from-buffer' });
    expect(spec.name).toBe('from-buffer');
    spec.setGlobal('target_tgid', process.pid);
    const obj = await spec.load();
    open.push(obj);
    expect(obj.name).toBe('from-buffer');
    obj.program('lnt_raw_enter').attach();
    getppidWorkload(N);
    expect(obj.map('counts').readU64Array()[1]).toBeGreaterThanOrEqual(BigInt(N));
  });

  it("routes libbpf's debug lines to the loader's logger and the load to a worker thread", async () => {
    const logger = collectingLogger();
    const loader = createLoader({ logger });
    const spec = loader.openObject(objectPath('maps'));
    const pending = spec.load();
    expect(pending).toBeInstanceOf(Promise);
    const obj = await pending;
    open.push(obj);
    expect(logger.lines.some(([level, m]) => level === 'debug' && m.startsWith('libbpf: '))).toBe(true);
  });

  it('setAttachTarget checks the target against the kernel BTF and the program kind', () => {
    const spec = openObject(objectPath('counters'), { logger: collectingLogger() });
    try {
      expect(() => spec.program('lnt_btf_enter').setAttachTarget('lnt_no_such_tracepoint')).toThrow(
        expect.objectContaining({ name: 'BpfError', code: 'ESRCH', program: 'lnt_btf_enter', message: expect.stringContaining("BTF has no such") }),
      );
      expect(() => spec.program('lnt_tp_getppid').setAttachTarget('x')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    } finally {
      spec.close();
    }
  });

  it('a missing file or a non-ELF image is a BpfError from open', () => {
    expect(() => openObject('/nonexistent/lnt.bpf.o', { logger: collectingLogger() })).toThrow(
      expect.objectContaining({ name: 'BpfError', code: 'ENOENT', op: 'open object /nonexistent/lnt.bpf.o' }),
    );
    expect(() => openObject(Buffer.from('not an ELF file'), { logger: collectingLogger() })).toThrow(BpfError);
  });

  it('a spec loads once; close() after load leaves the loaded object alone', async () => {
    const spec = openObject(objectPath('maps'), { logger: collectingLogger() });
    const obj = await spec.load();
    open.push(obj);
    await expect(spec.load()).rejects.toMatchObject({ code: 'EBADF' });
    spec.close();
    expect(obj.map('scratch').keys().count).toBe(0);
  });

  it('closing a spec before load releases it; using it afterwards is a BpfError', async () => {
    const spec = openObject(objectPath('maps'), { logger: collectingLogger() });
    spec.close();
    await expect(spec.load()).rejects.toBeInstanceOf(BpfError);
  });
});
