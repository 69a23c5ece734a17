/**
 * Chart definitions and chart math of both collectors, and the per-mode
 * plans (which programs, which kernel functions), without a kernel.
 */
import { describe, expect, it } from 'vitest';
import { chartKey } from '@ebpf-collectors/core';
import { FdChartBuilder, FilesystemChartBuilder } from '../src/charts.js';
import { enabledFilesystems, planFilesystem, watchMask } from '../src/filesystem.js';
import { planFd } from '../src/fd.js';
import { FILESYSTEMS, HIST_LANES } from '../src/internal-types.js';
import { histogramLane } from '../src/histogram.js';
import { collectorConfig, section } from './context.js';
import type { FilesystemName } from '../src/types.js';

const features = (names: ReadonlyArray<string>, tpBtf = true, rawTracepoint = true) => ({
  hasKernelFunction: (n: string) => names.includes(n),
  tpBtf: () => tpBtf,
  rawTracepoint: () => rawTracepoint,
});

describe('fd charts', () => {
  const lanes = (openCall: number, openError: number, closeCall: number, closeError: number) =>
    [openCall, openError, closeCall, closeError].map(BigInt);

  it('host charts are Netdata\'s, with the fixed dimension ids do_sys_open and __close_fd', () => {
    const [descriptor, error] = new FdChartBuilder({ updateEvery: 5, returnMode: true, apps: false, cgroups: false }).charts();
    expect(descriptor).toEqual({
      type: 'filesystem',
      id: 'file_descriptor',
      title: 'Open and close calls',
      units: 'calls/s',
      family: 'file_access',
      context: '',
      chartType: 'line',
      priority: 2195,
      updateEvery: 5,
      module: 'filedescriptor',
      dimensions: [
        { id: 'do_sys_open', name: 'open', algorithm: 'incremental' },
        { id: '__close_fd', name: 'close', algorithm: 'incremental' },
      ],
    });
    expect(error).toMatchObject({ id: 'file_error', title: 'Open fails', priority: 2196, family: 'file_access' });
    expect(error!.dimensions.map((d) => d.id)).toEqual(['do_sys_open', '__close_fd']);
  });

  it('entry mode has no error charts; values are the cumulative counters (incremental)', () => {
    const builder = new FdChartBuilder({ updateEvery: 1, returnMode: false, apps: false, cgroups: false });
    expect(builder.charts().map(chartKey)).toEqual(['filesystem.file_descriptor']);
    const frame = builder.frame({ counters: lanes(10, 0, 7, 0) });
    expect(frame.charts).toHaveLength(1);
    expect(Object.fromEntries(frame.charts[0]!.values)).toEqual({ do_sys_open: 10n, __close_fd: 7n });
  });

  it('return mode sends errors in filesystem.file_error', () => {
    const frame = new FdChartBuilder({ updateEvery: 1, returnMode: true, apps: false, cgroups: false }).frame({ counters: lanes(10, 3, 7, 2) });
    expect(frame.charts.map((c) => [chartKey(c.chart), Object.fromEntries(c.values)])).toEqual([
      ['filesystem.file_descriptor', { do_sys_open: 10n, __close_fd: 7n }],
      ['filesystem.file_error', { do_sys_open: 3n, __close_fd: 2n }],
    ]);
  });

  it('apps, cgroup and services charts: Netdata ids, families, contexts, priorities; module filedescriptor everywhere', () => {
    const builder = new FdChartBuilder({ updateEvery: 1, returnMode: true, apps: true, cgroups: true });
    const totals = new Map([
      ['web', lanes(100, 4, 90, 1)],
      ['docker_abc', lanes(50, 0, 40, 0)],
      ['ssh', lanes(5, 1, 5, 0)],
    ]);
    const frame = builder.frame({
      counters: lanes(0, 0, 0, 0),
      apps: { names: ['web', 'other'], totals },
      cgroups: { names: ['docker_abc'], totals },
      services: { names: ['ssh'], totals },
    });
    const byKey = new Map(frame.charts.map((c) => [chartKey(c.chart), c]));
    const apps = ['file_open', 'file_open_error', 'file_closed', 'file_close_error'].map((id) => byKey.get(`apps.${id}`)!);
    expect(apps.map((c) => [c.chart.title, c.chart.priority, c.chart.family, c.chart.context, c.chart.chartType, c.chart.module])).toEqual([
      ['Number of open files', 20061, 'file_access', '', 'stacked', 'filedescriptor'],
      ['Fails to open files', 20062, 'file_access', '', 'stacked', 'filedescriptor'],
      ['Files closed', 20063, 'file_access', '', 'stacked', 'filedescriptor'],
      ['Fails to close files', 20064, 'file_access', '', 'stacked', 'filedescriptor'],
    ]);
    expect(Object.fromEntries(apps[0]!.values)).toEqual({ web: 100n, other: 0n });
    expect(apps[0]!.chart.dimensions.every((d) => d.algorithm === 'incremental')).toBe(true);

    const cgroup = ['file_open', 'file_open_error', 'file_closed', 'file_close_error'].map((id) => byKey.get(`cgroup_docker_abc.${id}`)!);
    expect(cgroup.map((c) => [c.chart.context, c.chart.priority, c.chart.family, c.chart.chartType, c.chart.dimensions[0]!.id, c.chart.dimensions[0]!.name])).toEqual([
      ['cgroup.fd_open', 45400, 'file_access (eBPF)', 'line', 'do_sys_open', 'open'],
      ['cgroup.fd_open_error', 45401, 'file_access (eBPF)', 'line', 'do_sys_open', 'open'],
      ['cgroup.fd_close', 45402, 'file_access (eBPF)', 'line', '__close_fd', 'close'],
      ['cgroup.fd_close_error', 45403, 'file_access (eBPF)', 'line', '__close_fd', 'close'],
    ]);
    expect(cgroup.map((c) => [...c.values.values()][0])).toEqual([50n, 0n, 40n, 0n]);

    const services = byKey.get('services.file_open_error')!;
    expect([services.chart.context, services.chart.priority, services.chart.family, services.chart.chartType]).toEqual([
      'services.fd_open_error',
      20062,
      'file_access (eBPF)',
      'stacked',
    ]);
    expect(Object.fromEntries(services.values)).toEqual({ ssh: 1n });
  });

  it('a cgroup that disappears has its charts obsoleted once', () => {
    const builder = new FdChartBuilder({ updateEvery: 1, returnMode: false, apps: false, cgroups: true });
    const input = (names: string[]) => ({ counters: lanes(0, 0, 0, 0), cgroups: { names, totals: new Map() } });
    builder.frame(input(['a', 'b']));
    expect(builder.frame(input(['a'])).obsolete).toEqual(['cgroup_b.file_open', 'cgroup_b.file_closed']);
    expect(builder.frame(input(['a'])).obsolete).toBeUndefined();
  });

  it('group charts wait for their first group', () => {
    const builder = new FdChartBuilder({ updateEvery: 1, returnMode: false, apps: true, cgroups: true });
    const frame = builder.frame({
      counters: lanes(1, 0, 1, 0),
      apps: { names: [], totals: new Map() },
      services: { names: [], totals: new Map() },
    });
    expect(frame.charts.map((c) => chartKey(c.chart))).toEqual(['filesystem.file_descriptor']);
    expect(builder.charts(['web']).map(chartKey)).toEqual(['filesystem.file_descriptor', 'apps.file_open', 'apps.file_closed']);
  });
});

describe('fd plans', () => {
  it('tracepoint mode: one program on the generic syscall exit (tp_btf else raw_tp) when asked, per-syscall tracepoints by default', () => {
    process.env.EBPFC_SYSCALL_EXIT = 'tp_btf,raw_tp';
    try {
      expect([...planFd('tracepoint', true, features([])).programs.keys()]).toEqual(['tracepoint_syscall_exit_tp_btf']);
      expect(planFd('tracepoint', false, features([], false)).hooked).toEqual(['sys_exit (raw_tp)']);
    } finally {
      delete process.env.EBPFC_SYSCALL_EXIT;
    }
  });

  it('trampoline, return mode: fexit on do_sys_openat2 and file_close_fd (which returns a file)', () => {
    const plan = planFd('trampoline', true, features(['do_sys_openat2', 'do_sys_open', 'file_close_fd', 'close_fd']));
    expect([...plan.targets!]).toEqual([
      ['trampoline_openat2_exit', 'do_sys_openat2'],
      ['trampoline_close_exit', 'file_close_fd'],
    ]);
    expect(plan.closeReturnsFile).toBe(true);
  });

  it('older kernels: do_sys_open and __close_fd get their own fexit programs (the return value sits elsewhere)', () => {
    const plan = planFd('trampoline', true, features(['do_sys_open', '__close_fd']));
    expect([...plan.targets!]).toEqual([
      ['trampoline_open_exit', 'do_sys_open'],
      ['trampoline_close_files_exit', '__close_fd'],
    ]);
    expect(plan.closeReturnsFile).toBe(false);
  });

  it('entry mode hooks entries only; probe mode uses kprobes on the same functions', () => {
    expect([...planFd('trampoline', false, features(['do_sys_openat2', 'close_fd'])).targets!]).toEqual([
      ['trampoline_open_entry', 'do_sys_openat2'],
      ['trampoline_close_entry', 'close_fd'],
    ]);
    expect([...planFd('probe', true, features(['do_sys_openat2', 'close_fd'])).programs.keys()]).toEqual(['probe_open_exit', 'probe_close_exit']);
    expect([...planFd('probe', false, features(['do_sys_openat2', 'close_fd'])).programs.keys()]).toEqual(['probe_open_entry', 'probe_close_entry']);
  });

  it('a kernel without any open function fails with ENOENT and the names looked for', () => {
    expect(() => planFd('probe', true, features(['close_fd']))).toThrow(
      expect.objectContaining({ code: 'ENOENT', message: expect.stringContaining('do_sys_openat2, do_sys_open') }),
    );
  });
});

describe('filesystem configuration and plans', () => {
  it('[filesystem] <fs>dist switches: yes by default, Netdata booleans', () => {
    expect([...enabledFilesystems(collectorConfig('filesystem'))]).toEqual([...FILESYSTEMS]);
    const config = collectorConfig('filesystem', {
      sections: new Map([['filesystem', section('filesystem', { ext4dist: 'no', xfsdist: 'on demand', nfsdist: 'false', btrfsdist: 'yes' })]]),
    });
    expect([...enabledFilesystems(config)]).toEqual(['xfs', 'zfs', 'btrfs']);
  });

  it('watchMask sets one bit per slot', () => {
    expect(watchMask([])).toBe(0);
    expect(watchMask(['ext4'])).toBe(1);
    expect(watchMask(['xfs', 'btrfs'])).toBe(0b10010);
  });

  it('trampoline hooks only the filesystems whose functions exist, retargeting nfs open', () => {
    const enabled = new Set<FilesystemName>(FILESYSTEMS);
    const plan = planFilesystem('trampoline', enabled, features([
      'ext4_file_read_iter', 'ext4_file_write_iter', 'ext4_file_open', 'ext4_sync_file',
      'nfs_file_read', 'nfs_file_write', 'nfs4_file_open', 'nfs_getattr',
    ]));
    expect([...plan.hooked]).toEqual(['ext4', 'nfs']);
    expect(plan.targets!.get('trampoline_nfs_open_entry')).toBe('nfs4_file_open');
    expect(plan.targets!.get('trampoline_nfs_attribute_exit')).toBe('nfs_getattr');
    expect(plan.programs.size).toBe(16);
  });

  it('tracepoint mode: one program on the generic syscall entry and one on the exit', () => {
    const plan = planFilesystem('tracepoint', new Set<FilesystemName>(['ext4']), features([]));
    expect([...plan.programs.keys()]).toEqual(['tracepoint_syscall_enter_tp_btf', 'tracepoint_syscall_exit_tp_btf']);
    expect(plan.functions).toEqual(['sys_enter (tp_btf)', 'sys_exit (tp_btf)']);
  });

  it('probe mode: one entry kprobe plus a kretprobe per function', () => {
    const plan = planFilesystem('probe', new Set<FilesystemName>(['btrfs']), features(['btrfs_file_read_iter', 'btrfs_sync_file']));
    expect([...plan.programs.keys()]).toEqual(['probe_fs_entry', 'probe_btrfs_read_exit', 'probe_btrfs_sync_exit']);
  });

  it('no function for any enabled filesystem, or nothing enabled, is an error with a code', () => {
    expect(() => planFilesystem('trampoline', new Set<FilesystemName>(['zfs']), features([]))).toThrow(
      expect.objectContaining({ code: 'ENOENT', message: expect.stringContaining('zpl_iter_read') }),
    );
    expect(() => planFilesystem('tracepoint', new Set(), features([]))).toThrow(expect.objectContaining({ code: 'ENOFS' }));
  });
});

describe('filesystem charts', () => {
  const hist = (entries: Array<[FilesystemName, 'read' | 'write' | 'open' | 'sync', number, number]>) => {
    const lanes = new Array<bigint>(HIST_LANES).fill(0n);
    for (const [fs, op, bin, n] of entries) lanes[histogramLane(fs, op, bin)] = BigInt(n);
    return lanes;
  };

  it('four stacked charts per mounted filesystem, 24 incremental bins, family <fs>_latency, no context', () => {
    const builder = new FilesystemChartBuilder({ updateEvery: 5 });
    const [read, , , sync] = builder.charts(['ext4']);
    expect(read).toMatchObject({
      type: 'filesystem',
      id: 'ext4_read_latency',
      title: 'ext4 latency for each read request.',
      units: 'calls/s',
      family: 'ext4_latency',
      context: '',
      chartType: 'stacked',
      priority: 2160,
      updateEvery: 5,
      module: 'filesystem',
    });
    expect(read!.dimensions).toHaveLength(24);
    expect(read!.dimensions[0]).toEqual({ id: '0us->1us', algorithm: 'incremental' });
    expect(sync).toMatchObject({ id: 'ext4_sync_latency', title: 'ext4 latency for each sync request.', priority: 2163 });
  });

  it('nfs charts its fourth operation as attribute', () => {
    const defs = new FilesystemChartBuilder({ updateEvery: 1 }).charts(['nfs']);
    expect(defs.map((d) => d.id)).toEqual(['nfs_read_latency', 'nfs_write_latency', 'nfs_open_latency', 'nfs_attribute_latency']);
    expect(defs[3]!.title).toBe('nfs latency for each attribute request.');
  });

  it('values are the cumulative bins of each filesystem and operation', () => {
    const builder = new FilesystemChartBuilder({ updateEvery: 1 });
    const frame = builder.frame({ hist: hist([['xfs', 'write', 3, 7], ['xfs', 'sync', 23, 1], ['ext4', 'write', 3, 99]]), mounted: ['xfs'] });
    const byKey = new Map(frame.charts.map((c) => [chartKey(c.chart), c.values]));
    expect([...byKey.keys()]).toEqual(['filesystem.xfs_read_latency', 'filesystem.xfs_write_latency', 'filesystem.xfs_open_latency', 'filesystem.xfs_sync_latency']);
    expect(byKey.get('filesystem.xfs_write_latency')!.get('4us->8us')).toBe(7n);
    expect(byKey.get('filesystem.xfs_sync_latency')!.get('4s->+Inf')).toBe(1n);
    expect([...byKey.get('filesystem.xfs_read_latency')!.values()].every((v) => v === 0n)).toBe(true);
  });

  it('priorities go from 2160 in creation order; a filesystem obsoleted and back keeps its own', () => {
    const builder = new FilesystemChartBuilder({ updateEvery: 1 });
    const empty = new Array<bigint>(HIST_LANES).fill(0n);
    builder.frame({ hist: empty, mounted: ['btrfs'] });
    const both = builder.frame({ hist: empty, mounted: ['ext4', 'btrfs'] });
    expect(both.charts.map((c) => [c.chart.id, c.chart.priority]).filter(([id]) => String(id).endsWith('read_latency'))).toEqual([
      ['ext4_read_latency', 2164],
      ['btrfs_read_latency', 2160],
    ]);
    const gone = builder.frame({ hist: empty, mounted: ['ext4'] });
    expect(gone.obsolete).toEqual([
      'filesystem.btrfs_read_latency',
      'filesystem.btrfs_write_latency',
      'filesystem.btrfs_open_latency',
      'filesystem.btrfs_sync_latency',
    ]);
    expect(builder.frame({ hist: empty, mounted: ['ext4'] }).obsolete).toBeUndefined();
    const back = builder.frame({ hist: empty, mounted: ['ext4', 'btrfs'] });
    expect(back.charts.find((c) => c.chart.id === 'btrfs_read_latency')!.chart.priority).toBe(2160);
  });
});
