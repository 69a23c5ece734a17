/**
 * The socket collector on the running kernel: real loader, real PID table,
 * real loopback traffic from a named process tree. Needs root; skips (with
 * the reason) where it cannot run.
 *
 * EBPFC_RECORD_FIXTURES=1 also writes the recorded runs to test/fixtures/.
 */
import { release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorConfig, CollectorFrame, CollectorInstance } from '@ebpf-collectors/core';
import { AttachError, PidTable, SYSCALL_EXIT_HOOK_ENV, TRACEPOINT_KIND_ENV, chartKey, chartMovement, checkExpectations, parseAppsGroups, runSelfTest } from '@ebpf-collectors/core';
import { NotSupportedError, VerifierError, createLoader, type Loader } from '@ebpf-collectors/loader-native';
import {
  chartOf,
  chartValue,
  kernelTestSkipReason,
  mapsNamed,
  programsLeft as leftOf,
  randomComm,
  startProcessTree,
  type ProcessTree,
} from '@ebpf-collectors/test-utils';
import {
  createSocketCollector,
  ipv6LoopbackWorks,
  nameCounters,
  netExpectations,
  netWorkloadScript,
  parseNetWorkloadResult,
  socketSelfTest,
  workloadShortfalls,
  type NetWorkload,
  type SocketCollectorInstance,
  type SocketCollectorOptions,
  type SocketReading,
} from '../src/index.js';
import { PROBE_HOOKS, SOCK_LENGTH_HOOKS, SYSCALL_IO_HOOKS, TRACEPOINT_HOOKS, TRAMPOLINE_HOOKS } from '../src/internal-types.js';
import { memoryLogger, sectionsOf, socketConfig, testContext } from './context.js';
import { FixtureRecorder, writeFixture, type SocketFixture } from './fixture.js';

const OBJECT = fileURLToPath(new URL('../bpf/socket.bpf.o', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const RECORD = process.env.EBPFC_RECORD_FIXTURES === '1';
const skip = kernelTestSkipReason({ tracefs: true, tools: ['bpftool'], files: [OBJECT] });

const GROUP = 'ebpfnettest';
const N = 50;
const K = 64 * 1024;
const DATAGRAMS = 50;
const DATAGRAM_SIZE = 1200;
const REFUSED = 5;
const FAILED_UDP_SENDS = 5;
/**
 * Every program of the object, by full name: bpftool 7 reads it from BTF where
 * the kernel keeps 15 characters, and those 15 ("tracepoint_sys_") would
 * match other collectors' programs.
 */
const OUR_PROGRAMS = new Set(
  [...TRAMPOLINE_HOOKS, ...PROBE_HOOKS, ...TRACEPOINT_HOOKS, ...SOCK_LENGTH_HOOKS, ...SYSCALL_IO_HOOKS].flatMap((h) =>
    'typed' in h && h.typed ? [h.program, `${h.program}_tp_btf`, `${h.program}_raw_tp`] : [h.program],
  ),
);
/** Closing sockets finishes in softirq after the process exits: let it land. */
const SETTLE_MS = 300;

function appsGroupsText(comm: string): string {
  return ['# written by socket.kernel.test.ts', `${GROUP}: ${comm}`, 'shells: sh dash bash', 'node: node vitest*', 'perl: perl', ''].join('\n');
}

const isOurs = (name: string): boolean => OUR_PROGRAMS.has(name);
const programsLeft = (settleMs?: number): Promise<string[]> => leftOf(isOurs, settleMs);
const value = chartValue;


/** What a dimension draws: value x multiplier / divisor. */
function drawn(frame: CollectorFrame, key: string, dimension: string): number {
  const chart = chartOf(frame, key);
  const dim = chart?.dimensions.find((d) => d.id === dimension);
  const v = value(frame, key, dimension);
  if (!chart || !dim || v === undefined) throw new Error(`${key} ${dimension} missing`);
  return (Number(v) * (dim.multiplier ?? 1)) / (dim.divisor ?? 1);
}

/** Change of an incremental (cumulative) value between two frames. */
function grew(before: CollectorFrame, after: CollectorFrame, key: string, dimension: string): bigint {
  return (value(after, key, dimension) ?? 0n) - (value(before, key, dimension) ?? 0n);
}

describe.skipIf(skip !== undefined)(`socket collector on ${release()}${skip ? ` (skipped: ${skip})` : ''}`, { timeout: 60_000 }, () => {
  let loader: Loader;
  let v6 = false;
  const running: CollectorInstance[] = [];
  const trees: ProcessTree[] = [];

  beforeAll(async () => {
    loader = createLoader();
    v6 = await ipv6LoopbackWorks();
    expect(await programsLeft(), 'programs of an earlier run are still loaded').toEqual([]);
  });

  afterEach(async () => {
    for (const tree of trees.splice(0)) await tree.dispose();
    for (const instance of running.splice(0)) instance.close();
    expect(await programsLeft()).toEqual([]);
  });

  afterAll(async () => {
    expect(await programsLeft()).toEqual([]);
  });

  async function start(comm: string, overrides: Partial<CollectorConfig>, record?: boolean, options: SocketCollectorOptions = {}) {
    const parsed = parseAppsGroups(appsGroupsText(comm), 'test apps_groups.conf');
    expect(parsed.errors).toEqual([]);
    const table = new PidTable({ apps: parsed.groups });
    const recorder = record ? new FixtureRecorder(table) : undefined;
    const readings: SocketReading[] = [];
    const logger = memoryLogger();
    const collector = createSocketCollector({
      ...options,
      objectPath: OBJECT,
      onRead: (r) => {
        readings.push(r);
        recorder?.onRead(r);
      },
    });
    const config = socketConfig(overrides);
    const instance: SocketCollectorInstance = await collector.start(testContext({ config, loader, grouping: table, logger }));
    running.push(instance);
    const collect = async (): Promise<CollectorFrame> => {
      const frame = await instance.collect();
      recorder?.frame(frame);
      return frame;
    };
    return { instance, table, logger, collect, recorder, config, readings };
  }

  async function tree(comm: string, workload: NetWorkload): Promise<ProcessTree> {
    const t = await startProcessTree({ comm, leaf: { node: netWorkloadScript(workload) }, timeoutMs: 30_000 });
    trees.push(t);
    return t;
  }

  it('auto falls back to tracepoint and the report says why trampoline and probe failed', async () => {
    const { instance, logger } = await start(randomComm(), { typeFormat: 'auto', coreTracing: 'trampoline' });
    expect(instance.attachMode).toBe('tracepoint');
    expect(instance.report.attempts.map((a) => [a.mode, a.ok])).toEqual([
      ['trampoline', false],
      ['probe', false],
      ['tracepoint', true],
    ]);
    const [trampoline, probe] = instance.report.attempts;
    expect(loader.features.fentry(), logger.lines.join('\n')).toBe(false);
    expect(loader.features.kprobe()).toBe(false);
    expect(trampoline!.code).toBeDefined();
    expect(trampoline!.reason).toMatch(/fentry|fexit|trampoline/i);
    expect(probe!.code).toBeDefined();
    expect(probe!.reason).toMatch(/kprobe/i);
    console.info(`socket attach report: ${JSON.stringify(instance.report)}`);
  });

  it.each(['trampoline', 'probe'] as const)('a forced %s mode fails with an AttachError and leaves nothing loaded', async (mode) => {
    const collector = createSocketCollector({ objectPath: OBJECT });
    const config = socketConfig({ typeFormat: 'co-re', coreTracing: mode, loadMode: 'return' });
    const failure = await collector.start(testContext({ config, loader, grouping: new PidTable() })).then(
      (instance) => {
        running.push(instance);
        return undefined;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AttachError);
    const report = (failure as AttachError).report;
    expect(report.attempts).toHaveLength(1);
    expect(report.attempts[0]).toMatchObject({ mode, ok: false });
    expect(report.attempts[0]!.code).toBeDefined();
    expect(await programsLeft()).toEqual([]);
  });

  it('probe programs pass the verifier and only their attach is refused; trampoline loads are refused as unsupported', async () => {
    const probe = loader.openObject(OBJECT);
    for (const p of probe.programs.values()) p.autoload = p.name.startsWith('probe_');
    probe.setGlobal('ebpfc_apps_enabled', true);
    // With the network viewer on, its code paths are verified too.
    probe.setGlobal('ebpfc_nv_enabled', true);
    const object = await probe.load();
    try {
      expect(object.programs.size).toBe(PROBE_HOOKS.length);
      expect(() => object.program('probe_tcp_cleanup_rbuf').attachKprobe('tcp_cleanup_rbuf')).toThrow(NotSupportedError);
    } finally {
      object.close();
    }
    const trampoline = loader.openObject(OBJECT);
    for (const p of trampoline.programs.values()) p.autoload = p.name.startsWith('trampoline_');
    const failure = await trampoline.load().then(
      (o) => {
        o.close();
        return undefined;
      },
      (error: unknown) => error,
    );
    trampoline.close();
    expect(failure).toBeInstanceOf(NotSupportedError);
    expect(failure).not.toBeInstanceOf(VerifierError);
  });

  it('return mode, collect pid = real parent: host charts, error charts and the workload in its app group', async () => {
    const comm = randomComm('ebpfnet-');
    const network = sectionsOf('[network connections]\n    ports = 1:1024 !22\n    ips = 10.0.0.0/8\n[service name]\n    8080 = web\n');
    const { instance, table, collect, recorder, config, readings, logger } = await start(
      comm,
      { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'return', collectPid: 'real parent', sections: network },
      RECORD,
    );
    expect(instance.attachMode).toBe('tracepoint');
    expect(instance.network.connections.serviceNames.get(8080)).toBe('web');
    expect(logger.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
    expect(mapsNamed('tbl_bandwidth').map((m) => [m.type, m.max_entries])).toContainEqual(['hash', Math.floor(32768 / 3)]);

    const workload: NetWorkload = {
      connections: N,
      bytesEachWay: K,
      v6Connections: v6 ? 10 : 0,
      datagrams: DATAGRAMS,
      datagramSize: DATAGRAM_SIZE,
      refusedConnects: REFUSED,
      failedUdpSends: FAILED_UDP_SENDS,
    };
    const t = await tree(comm, workload);
    table.scan();
    expect(table.appOf(t.rootPid)).toBe(GROUP);
    expect(table.appOf(t.leafPid)).toBe(GROUP);

    const baseline = await collect();
    expect(value(baseline, 'ip.tcp_functions', 'tcp_sendmsg')).toBe(0n);
    const run = await t.run();
    expect(run.code, run.stderr).toBe(0);
    const result = parseNetWorkloadResult(run.stdout);
    expect(workloadShortfalls(workload, result)).toEqual([]);
    await sleep(SETTLE_MS);
    const frame = await collect();

    // The self-test's expectations hold for the group the test named; the checks below go further.
    const movement = chartMovement(baseline, [frame]);
    const checks = checkExpectations(movement, netExpectations(workload, { returnMode: true, appGroup: GROUP }));
    expect(checks.filter((c) => !c.ok)).toEqual([]);

    const bytes = BigInt(2 * N * K);
    // Host charts: the whole machine, so at least the workload.
    expect(value(frame, 'ip.tcp_outbound_conn', 'tcp_connect_v4')).toBeGreaterThanOrEqual(BigInt(N + REFUSED));
    if (v6) expect(value(frame, 'ip.tcp_outbound_conn', 'tcp_connect_v6')).toBeGreaterThanOrEqual(10n);
    expect(grew(baseline, frame, 'ip.inbound_conn', 'inet_csk_accept_tcp')).toBeGreaterThanOrEqual(BigInt(N + workload.v6Connections));
    expect(value(frame, 'ip.tcp_functions', 'tcp_sendmsg')).toBeGreaterThanOrEqual(BigInt(2 * N));
    expect(value(frame, 'ip.tcp_functions', 'tcp_cleanup_rbuf')).toBeGreaterThanOrEqual(BigInt(2 * N));
    expect(value(frame, 'ip.tcp_functions', 'tcp_close')).toBeGreaterThanOrEqual(BigInt(2 * N));
    // Bytes are sent as bytes; the chart draws kilobits/s: sent below zero.
    expect(value(frame, 'ip.total_tcp_bandwidth', 'tcp_sendmsg')).toBeGreaterThanOrEqual(bytes);
    expect(value(frame, 'ip.total_tcp_bandwidth', 'tcp_cleanup_rbuf')).toBeGreaterThanOrEqual(bytes);
    expect(drawn(frame, 'ip.total_tcp_bandwidth', 'tcp_sendmsg')).toBeLessThanOrEqual(-(2 * N * K * 8) / 1000);
    expect(drawn(frame, 'ip.total_tcp_bandwidth', 'tcp_cleanup_rbuf')).toBeGreaterThanOrEqual((2 * N * K * 8) / 1000);
    expect(value(frame, 'ip.udp_functions', 'udp_sendmsg')).toBeGreaterThanOrEqual(BigInt(DATAGRAMS + FAILED_UDP_SENDS));
    expect(value(frame, 'ip.udp_functions', 'udp_recvmsg')).toBeGreaterThanOrEqual(BigInt(DATAGRAMS));
    // Labels carry their own data: the received dimension has the received bytes.
    expect(value(frame, 'ip.total_udp_bandwidth', 'udp_sendmsg')).toBeGreaterThanOrEqual(BigInt(DATAGRAMS * DATAGRAM_SIZE));
    expect(value(frame, 'ip.total_udp_bandwidth', 'udp_recvmsg')).toBeGreaterThanOrEqual(BigInt(DATAGRAMS * DATAGRAM_SIZE));
    expect(drawn(frame, 'ip.total_udp_bandwidth', 'udp_sendmsg')).toBeLessThan(0);
    expect(value(frame, 'ip.udp_error', 'udp_sendmsg')).toBeGreaterThanOrEqual(BigInt(FAILED_UDP_SENDS));
    expect(value(frame, 'ip.tcp_error', 'tcp_sendmsg')).toBeDefined();
    expect(chartOf(frame, 'ip.tcp_retransmit')?.priority).toBe(21075);
    // Failed connects are counted (Netdata keeps them in its table but charts none).
    const [before, after] = readings.slice(-2).map((r) => nameCounters(r.counters));
    expect(after!.connectV4Errors - before!.connectV4Errors).toBeGreaterThanOrEqual(BigInt(REFUSED));

    // Apps: everything the leaf did is keyed by its real parent, the root, in the group.
    expect(table.exposedApps()).toContain(GROUP);
    expect(grew(baseline, frame, 'apps.total_bandwidth_sent', GROUP)).toBeGreaterThanOrEqual(bytes);
    expect(grew(baseline, frame, 'apps.total_bandwidth_recv', GROUP)).toBeGreaterThanOrEqual(bytes);
    expect(chartOf(frame, 'apps.total_bandwidth_sent')?.dimensions[0]).toMatchObject({ algorithm: 'incremental', multiplier: 8, divisor: 1000 });
    expect(grew(baseline, frame, 'apps.bandwidth_tcp_send', GROUP)).toBeGreaterThanOrEqual(BigInt(2 * N));
    expect(grew(baseline, frame, 'apps.bandwidth_tcp_recv', GROUP)).toBeGreaterThanOrEqual(BigInt(2 * N));
    expect(grew(baseline, frame, 'apps.outbound_conn_v4', GROUP)).toBeGreaterThanOrEqual(BigInt(N + REFUSED));
    if (v6) expect(grew(baseline, frame, 'apps.outbound_conn_v6', GROUP)).toBeGreaterThanOrEqual(10n);
    expect(grew(baseline, frame, 'apps.bandwidth_udp_send', GROUP)).toBeGreaterThanOrEqual(BigInt(DATAGRAMS));
    expect(grew(baseline, frame, 'apps.bandwidth_udp_recv', GROUP)).toBeGreaterThanOrEqual(BigInt(DATAGRAMS));
    // Nothing of the workload lands in the test runner's group.
    expect(grew(baseline, frame, 'apps.total_bandwidth_sent', 'node')).toBeLessThan(bytes);

    if (recorder) {
      const fixture: SocketFixture = {
        description: 'tracepoint mode, return load mode, collect pid = real parent, HASH pid table; loopback TCP (v4, v6), UDP, refused connects from a tree named <comm>',
        recorded: {
          kernel: release(),
          date: new Date().toISOString().slice(0, 10),
          attachMode: instance.attachMode,
          loadMode: config.loadMode,
          collectPid: config.collectPid,
          mapsPerCore: config.mapsPerCore,
        },
        workload: { ...workload, comm, group: GROUP, result },
        ticks: recorder.ticks,
      };
      writeFixture(`${FIXTURES}/tracepoint-return-real-parent.json`, fixture);
    }
  });

  it('entry mode, collect pid = all, maps per core: no error charts, the leaf keys its own traffic', async () => {
    const comm = randomComm('ebpfnet-');
    const { table, collect, recorder, config, instance } = await start(
      comm,
      { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode: 'entry', collectPid: 'all', mapsPerCore: true },
      RECORD,
    );
    expect(mapsNamed('tbl_bandwidth').map((m) => [m.type, m.max_entries])).toContainEqual(['percpu_hash', 32768]);
    const workload: NetWorkload = {
      connections: 20,
      bytesEachWay: K,
      v6Connections: 0,
      datagrams: 20,
      datagramSize: 512,
      refusedConnects: 0,
      failedUdpSends: 0,
    };
    const t = await tree(comm, workload);
    table.scan();
    const baseline = await collect();
    expect(baseline.charts.map((c) => chartKey(c.chart)).filter((k) => k.startsWith('ip.'))).toEqual([
      'ip.inbound_conn',
      'ip.tcp_outbound_conn',
      'ip.tcp_functions',
      'ip.total_tcp_bandwidth',
      'ip.tcp_retransmit',
      'ip.udp_functions',
      'ip.total_udp_bandwidth',
    ]);
    const run = await t.run();
    expect(run.code, run.stderr).toBe(0);
    const result = parseNetWorkloadResult(run.stdout);
    expect(workloadShortfalls(workload, result)).toEqual([]);
    await sleep(SETTLE_MS);
    const frame = await collect();

    const checks = checkExpectations(chartMovement(baseline, [frame]), netExpectations(workload, { returnMode: false, appGroup: GROUP }));
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(frame.charts.map((c) => chartKey(c.chart))).not.toContain('ip.udp_error');
    expect(value(frame, 'ip.total_tcp_bandwidth', 'tcp_sendmsg')).toBeGreaterThanOrEqual(BigInt(2 * 20 * K));
    expect(value(frame, 'ip.tcp_outbound_conn', 'tcp_connect_v4')).toBeGreaterThanOrEqual(20n);
    expect(grew(baseline, frame, 'apps.total_bandwidth_sent', GROUP)).toBeGreaterThanOrEqual(BigInt(2 * 20 * K));
    expect(grew(baseline, frame, 'apps.bandwidth_udp_recv', GROUP)).toBeGreaterThanOrEqual(20n);

    if (recorder) {
      const fixture: SocketFixture = {
        description: 'tracepoint mode, entry load mode, collect pid = all, PERCPU_HASH pid table; loopback TCP and UDP from a tree named <comm>',
        recorded: {
          kernel: release(),
          date: new Date().toISOString().slice(0, 10),
          attachMode: instance.attachMode,
          loadMode: config.loadMode,
          collectPid: config.collectPid,
          mapsPerCore: config.mapsPerCore,
        },
        workload: { ...workload, comm, group: GROUP, result },
        ticks: recorder.ticks,
      };
      writeFixture(`${FIXTURES}/tracepoint-entry-all-percpu.json`, fixture);
    }
  });
  it.each([
    { io: 'sock_length', loadMode: 'entry', collectPid: 'real parent', kind: 'tp_btf', accept: 'tp_btf' },
    { io: 'sock_length', loadMode: 'return', collectPid: 'all', kind: 'raw_tp', accept: 'raw_tp' },
    { io: 'sock_length', loadMode: 'return', collectPid: 'all', kind: 'tracepoint', accept: 'tracepoint' },
    { io: 'syscalls', loadMode: 'entry', collectPid: 'all', kind: 'tracepoint', accept: 'tracepoint' },
    { io: 'syscalls', loadMode: 'return', collectPid: 'real parent', kind: 'tp_btf', accept: 'tracepoint' },
  ] as const)('the shipped self-test passes: socket I/O from $io, $loadMode mode, collect pid = $collectPid, sock/tcp events on $kind, accept exits on $accept', async ({ io, loadMode, collectPid, kind, accept }) => {
    // tp_btf is what this kernel picks (plain loads of the socket); raw_tp (probe reads) and the perf-event
    // tracepoints (the records) are the fallbacks, forced here, the sock_*_length programs' too.
    // The accept exits: per-syscall tracepoints alone, the generic sys_exit program when shared (forced here).
    process.env[TRACEPOINT_KIND_ENV] = kind;
    process.env[SYSCALL_EXIT_HOOK_ENV] = accept;
    const { instance, table, logger, config } = await start(
      randomComm(),
      { typeFormat: 'co-re', coreTracing: 'tracepoint', loadMode, collectPid },
      false,
      { tracepointIo: io },
    ).finally(() => {
      delete process.env[TRACEPOINT_KIND_ENV];
      delete process.env[SYSCALL_EXIT_HOOK_ENV];
    });
    expect(instance.attachMode).toBe('tracepoint');
    const suffix = kind === 'tracepoint' ? '' : `_${kind}`;
    const length = io === 'sock_length' ? `tracepoint_sock_send_length${suffix}, tracepoint_sock_recv_length${suffix}, ` : '';
    expect(logger.lines.join('\n')).toContain(`${length}tracepoint_inet_sock_set_state${suffix}, tracepoint_tcp_retransmit_skb${suffix}, tracepoint_tcp_destroy_sock${suffix},`);
    expect(logger.lines.join('\n')).toContain(accept === 'tracepoint' ? 'tracepoint_sys_exit_accept4' : `tracepoint_syscall_exit_${accept}`);
    if (io === 'syscalls') expect(logger.lines.join('\n')).toMatch(/counts socket I\/O from the read\/write\/send\/recv syscalls/);
    const result = await runSelfTest({ name: 'socket', selfTest: socketSelfTest, instance, config, grouping: table, logger });
    expect(result.error).toBeUndefined();
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.ok).toBe(true);
    // The apps checks ran, for the group of the key PID the self-test chose.
    const appsChecks = result.checks.filter((c) => c.chart.startsWith('apps.'));
    expect(appsChecks.length).toBeGreaterThan(0);
    expect(new Set(appsChecks.map((c) => c.dimension))).toEqual(new Set([table.appOf(process.pid)]));
    expect(result.checks.some((c) => c.chart === 'ip.udp_error')).toBe(loadMode === 'return');
  });

  it.each([
    { io: 'sock_length', loadMode: 'entry' },
    { io: 'syscalls', loadMode: 'return' },
  ] as const)(
    'network connections = yes: the workload lands in ebpf.outbound_* and ebpf.inbound_* per destination ($io, $loadMode mode)',
    async ({ io, loadMode }) => {
      const { instance, table, logger, config } = await start(
        randomComm(),
        {
          typeFormat: 'co-re',
          coreTracing: 'tracepoint',
          loadMode,
          networkConnections: true,
          // Stock `ips` leave loopback out; the workload talks over loopback.
          sections: sectionsOf('[network connections]\n    ips = *\n    maximum dimensions = 500\n'),
        },
        false,
        { tracepointIo: io },
      );
      expect(logger.lines.join('\n')).toMatch(/network connections on: at most 250 destinations per chart/);
      const result = await runSelfTest({ name: 'socket', selfTest: socketSelfTest, instance, config, grouping: table, logger });
      expect(result.error).toBeUndefined();
      expect(result.checks.filter((c) => !c.ok)).toEqual([]);
      const nv = result.checks.filter((c) => c.chart.startsWith('ebpf.'));
      // TCP v4 (and v6 when ::1 works) outbound and inbound, bytes and packets both ways, plus the UDP receiver.
      expect(nv.length).toBeGreaterThanOrEqual(18);
      expect(new Set(nv.map((c) => c.chart))).toEqual(
        new Set(['ebpf.outbound_bytes', 'ebpf.outbound_packets', 'ebpf.inbound_bytes', 'ebpf.inbound_packets']),
      );
      // Real bytes: each connection's 64 KiB each way, no more than the workload's own share plus noise on loopback.
      const outboundSent = nv.find((c) => c.chart === 'ebpf.outbound_bytes' && c.dimension.endsWith(':TCP:127.0.0.1_sent'))!;
      expect(outboundSent.seen).toBe(outboundSent.atLeast);
      // Every dimension of the charts has a value, and the charts are declared by charts() too.
      const declared = new Set(instance.charts().map((c) => `${c.type}.${c.id}`));
      for (const chart of ['ebpf.outbound_bytes', 'ebpf.outbound_retransmit', 'ebpf.inbound_bytes']) expect(declared).toContain(chart);
    },
  );

  it('network connections = no: no per-socket charts and the tables stay at one entry', async () => {
    const { instance, collect } = await start(randomComm(), { typeFormat: 'co-re', coreTracing: 'tracepoint' });
    const frame = await collect();
    expect(frame.charts.filter((c) => c.chart.type === 'ebpf')).toEqual([]);
    expect(instance.charts().filter((c) => c.type === 'ebpf')).toEqual([]);
    // Earlier tests closed their objects (afterEach), so these are this instance's tables.
    expect(mapsNamed('tbl_conn_ipv4').map((m) => [m.type, m.max_entries])).toEqual([['lru_hash', 1]]);
    expect(mapsNamed('tbl_conn_ipv6').map((m) => [m.type, m.max_entries])).toEqual([['lru_hash', 1]]);
  });
});
