/**
 * Every attach kind on this host: tracepoint, raw_tp and tp_btf attach and
 * count a getppid() workload made here; fentry/fexit, kprobe, kretprobe and
 * syscall kprobes end in NotSupportedError where the kernel lacks them.
 */
import { spawnSync } from 'node:child_process';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { BpfError, closeObjects, createLoader, ensureTracefs, NotSupportedError, type BpfObject } from '../src/index.js';
import { collectingLogger, eventually, getppidWorkload, isRoot, objectPath, programExists } from './helpers.js';

const SLOT = { tracepoint: 0, rawTp: 1, tpBtf: 2 } as const;
const N = 2000;

describe.runIf(isRoot)('attach kinds', () => {
  const loader = createLoader({ logger: collectingLogger() });
  const open: BpfObject[] = [];

  beforeAll(() => {
    ensureTracefs();
  });

  afterEach(() => {
    for (const o of open.splice(0)) o.close();
  });

  async function loadCounters(edit?: (spec: ReturnType<typeof loader.openObject>) => void): Promise<BpfObject> {
    const spec = loader.openObject(objectPath('counters'));
    spec.setGlobal('target_tgid', process.pid);
    edit?.(spec);
    const obj = await spec.load();
    open.push(obj);
    return obj;
  }

  function slots(obj: BpfObject): bigint[] {
    return [...obj.map('counts').readU64Array()];
  }

  it('tracepoint, raw_tp and tp_btf each count every getppid() of this process', async () => {
    const obj = await loadCounters();
    obj.program('lnt_tp_getppid').attachTracepoint('syscalls', 'sys_enter_getppid');
    obj.program('lnt_raw_enter').attachRawTracepoint('sys_enter');
    obj.program('lnt_btf_enter').attachTrace();
    expect(obj.links).toHaveLength(3);

    getppidWorkload(N);

    const counts = slots(obj);
    for (const slot of [SLOT.tracepoint, SLOT.rawTp, SLOT.tpBtf]) {
      expect(counts[slot]).toBeGreaterThanOrEqual(BigInt(N));
      expect(counts[slot]).toBeLessThan(BigInt(N + 50));
    }
  });

  it('attach() follows the section name for each tracepoint kind', async () => {
    const obj = await loadCounters();
    const links = [...obj.programs.values()].map((p) => p.attach());
    expect(links.every((l) => l.id > 0 && !l.closed)).toBe(true);
    getppidWorkload(N);
    const counts = slots(obj);
    expect(counts.slice(0, 3).every((c) => c >= BigInt(N))).toBe(true);
  });

  it('closing one link detaches only that program', async () => {
    const obj = await loadCounters();
    const tp = obj.program('lnt_tp_getppid').attach();
    obj.program('lnt_raw_enter').attach();
    getppidWorkload(100);
    tp.close();
    expect(tp.closed).toBe(true);
    expect(obj.links).toHaveLength(1);
    const before = slots(obj);
    getppidWorkload(N);
    const after = slots(obj);
    expect(after[SLOT.tracepoint]).toBe(before[SLOT.tracepoint]);
    expect(after[SLOT.rawTp]! - before[SLOT.rawTp]!).toBeGreaterThanOrEqual(BigInt(N));
  });

  it('closing the object detaches every link and the kernel drops its programs', async () => {
    const obj = await loadCounters();
    const links = [...obj.programs.values()].map((p) => p.attach());
    const ids = [...obj.programs.values()].map((p) => p.id);
    expect(ids.every((id) => id > 0 && programExists(id))).toBe(true);

    open.splice(open.indexOf(obj), 1);
    obj[Symbol.dispose]();

    expect(links.every((l) => l.closed)).toBe(true);
    expect(obj.links).toHaveLength(0);
    expect(obj.program('lnt_tp_getppid').fd).toBe(-1);
    expect(() => obj.map('counts').readU64Array()).toThrow(BpfError);
    expect(await eventually(() => ids.every((id) => !programExists(id)))).toBe(true);
    obj.close(); // idempotent
  });

  it('closeObjects detaches every link of every object at once, then closes them', async () => {
    const objs = [await loadCounters(), await loadCounters()];
    const links = objs.flatMap((o) => [...o.programs.values()].map((p) => p.attach()));
    const ids = objs.flatMap((o) => [...o.programs.values()].map((p) => p.id));
    expect(links.length).toBeGreaterThan(2);
    for (const o of objs) open.splice(open.indexOf(o), 1);

    closeObjects(objs);

    expect(links.every((l) => l.closed)).toBe(true);
    expect(objs.every((o) => o.links.length === 0)).toBe(true);
    expect(() => objs[0]!.map('counts').readU64Array()).toThrow(BpfError);
    expect(await eventually(() => ids.every((id) => !programExists(id)))).toBe(true);
    closeObjects(objs); // idempotent
  });

  it('a tp_btf attach target set before load takes effect (sys_exit instead of sys_enter)', async () => {
    const obj = await loadCounters((spec) => spec.program('lnt_btf_enter').setAttachTarget('sys_exit'));
    obj.program('lnt_btf_enter').attachTrace();
    obj.program('lnt_raw_enter').attach();
    getppidWorkload(N);
    const counts = slots(obj);
    // On sys_exit the second argument is the return value (our ppid), not the syscall number.
    expect(counts[SLOT.tpBtf]).toBe(process.ppid === 110 ? counts[SLOT.tpBtf] : 0n);
    expect(counts[SLOT.rawTp]).toBeGreaterThanOrEqual(BigInt(N));
  });

  it('fentry and fexit programs fail to load with NotSupportedError naming the program', async () => {
    expect(loader.features.fentry()).toBe(false);
    const spec = loader.openObject(objectPath('trampoline'), { logger: collectingLogger() });
    expect(spec.program('lnt_fentry_read').kind).toBe('fentry');
    expect(spec.program('lnt_fexit_read').kind).toBe('fexit');
    const error = await spec.load().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NotSupportedError);
    const e = error as NotSupportedError;
    expect(e.feature).toBe('fentry');
    expect(e.code).toBe('EPERM');
    expect(['lnt_fentry_read', 'lnt_fexit_read']).toContain(e.program);
    expect(e.message).toMatch(/fentry\/fexit: load of program '.+' failed with EPERM: trampolines are not usable on this kernel/);
  });

  it('fexit alone (fentry switched off with autoload) is refused the same way', async () => {
    const spec = loader.openObject(objectPath('trampoline'), { logger: collectingLogger() });
    spec.program('lnt_fentry_read').autoload = false;
    await expect(spec.load()).rejects.toMatchObject({ name: 'NotSupportedError', feature: 'fentry', program: 'lnt_fexit_read' });
  });

  it('kprobe, kretprobe and syscall kprobes load but attach with NotSupportedError', async () => {
    expect(loader.features.kprobe()).toBe(false);
    const logger = collectingLogger();
    const obj = await loader.openObject(objectPath('kprobes'), { logger }).load();
    open.push(obj);

    const attempts: Array<[string, () => unknown]> = [
      ['kprobe vfs_read', () => obj.program('lnt_kprobe_read').attachKprobe('vfs_read')],
      ['kretprobe vfs_read', () => obj.program('lnt_kret_read').attachKprobe('vfs_read', { retprobe: true })],
      ['kprobe __x64_sys_getppid', () => obj.program('lnt_ksys_getppid').attachSyscallKprobe('getppid')],
      ['kretprobe __x64_sys_getppid', () => obj.program('lnt_kretsys_getppid').attachSyscallKprobe('getppid', { retprobe: true })],
      ['kprobe vfs_read', () => obj.program('lnt_kprobe_read').attach()],
      ['kretprobe vfs_read', () => obj.program('lnt_kret_read').attach()],
      ['kprobe __x64_sys_getppid', () => obj.program('lnt_ksys_getppid').attach()],
      ['kretprobe __x64_sys_getppid', () => obj.program('lnt_kretsys_getppid').attach()],
    ];
    for (const [op, attempt] of attempts) {
      let error: unknown;
      try {
        attempt();
      } catch (e) {
        error = e;
      }
      expect(error, op).toBeInstanceOf(NotSupportedError);
      const e = error as NotSupportedError;
      expect(e.feature).toBe('kprobe');
      expect(e.op).toBe(`attach ${op}`);
      expect(e.message).toContain('kprobes are not available on this kernel');
    }
    expect(obj.links).toHaveLength(0);
    // libbpf's own account of the failure reached the object's logger, as
    // debug detail: a missing feature is an expected outcome the error explains.
    expect(logger.lines.some(([level, m]) => level === 'debug' && m.includes('lnt_kprobe_read'))).toBe(true);
    expect(logger.lines.some(([level, m]) => level === 'warn' && m.includes('lnt_kprobe_read'))).toBe(false);
  });

  it('a tracepoint that does not exist is a BpfError, not a crash', async () => {
    const obj = await loadCounters();
    expect(() => obj.program('lnt_tp_getppid').attachTracepoint('syscalls', 'lnt_no_such_event')).toThrow(
      expect.objectContaining({ name: 'BpfError', code: 'ENOENT', op: 'attach tracepoint syscalls/lnt_no_such_event' }),
    );
    expect(obj.links).toHaveLength(0);
  });
});

describe.runIf(isRoot)('iterators', () => {
  const loader = createLoader({ logger: collectingLogger() });
  const open: BpfObject[] = [];
  afterEach(() => {
    for (const o of open.splice(0)) o.close();
  });

  it('attach() makes an iterator link; readIter() runs it over every process', async () => {
    const obj = await loader.openObject(objectPath('iter')).load();
    open.push(obj);
    const program = obj.program('lnt_iter_tgids');
    expect(program.kind).toBe('iter');
    const link = program.attach();
    const tgids = (buf: Buffer) => new Set(Array.from({ length: buf.length / 4 }, (_, i) => buf.readUInt32LE(i * 4)));
    const first = tgids(link.readIter());
    expect(first.has(process.pid)).toBe(true);
    expect(first.size).toBeGreaterThan(10);
    // Each read is a new pass: a process started meanwhile is in the next one.
    const child = spawnSync('sh', ['-c', 'sleep 5 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' });
    const childPid = Number(child.stdout.trim());
    try {
      expect(tgids(link.readIter()).has(childPid)).toBe(true);
    } finally {
      process.kill(childPid, 'SIGKILL');
    }
    expect(() => link.readIter({ maxBytes: 8 })).toThrow(RangeError);
    expect(() => link.readIter({ maxBytes: 0 })).toThrow(RangeError);
    link.close();
    expect(() => link.readIter()).toThrow(expect.objectContaining({ name: 'BpfError', code: 'EBADF' }));
  });

  it('readIter() on a link that is no iterator is a BpfError', async () => {
    const spec = loader.openObject(objectPath('counters'));
    const obj = await spec.load();
    open.push(obj);
    const link = obj.program('lnt_raw_enter').attachRawTracepoint('sys_enter');
    expect(() => link.readIter()).toThrow(expect.objectContaining({ name: 'BpfError', code: 'EINVAL' }));
  });
});
