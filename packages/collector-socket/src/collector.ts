/**
 * The socket collector: loads bpf/socket.bpf.o in one attach mode, reads its
 * maps every tick and turns them into Netdata's socket charts.
 */
import type {
  AttachMode,
  ChartDefinition,
  CollectorConfig,
  CollectorContext,
  CollectorFrame,
  CounterCollectorSpec,
  CounterModePlan,
  CounterSettings,
  CounterTablesInstanceOptions,
  Logger,
} from '@ebpf-collectors/core';
import {
  CounterTablesInstance,
  defineCollector,
  planFunctionHooks,
  planSyscallExit,
  planTracepointHooks,
  registrationOf,
  startCounterCollector,
  tracepointExists,
  tracepointKind,
  type Attacher,
  type SyscallExitHook,
} from '@ebpf-collectors/core';
import type { BpfMap, Features } from '@ebpf-collectors/core';
import { socketCharts } from './charts.js';
import { ConnectionCharts, decodeConnections, readListeningTcpPorts } from './connections.js';
import { HostNames } from './hostnames.js';
import {
  ACCEPT_HOOKS,
  ACCEPT_SYSCALL_EXIT_PROGRAM,
  GLOBAL,
  MAP,
  PID_LANES,
  PROBE_HOOKS,
  SOCK_LENGTH_HOOKS,
  SYSCALL_IO_HOOKS,
  TRACEPOINT_HOOKS,
  TRAMPOLINE_HOOKS,
  type FunctionHook,
} from './internal-types.js';
import { MODULE } from './metrics.js';
import { TABLE_SIZE_KEYS, parseNetworkConfig, systemServicePortNames, type NetworkConfig } from './network-config.js';
import { socketSelfTest } from './self-test.js';
import type { SocketCollectorDefinition, SocketCollectorInstance, SocketCollectorOptions } from './types.js';

/** The kit's settings plus the network viewer switch. */
interface ModeSettings extends CounterSettings {
  /** `network connections = yes`: the per-socket tables and their charts. */
  readonly networkViewer: boolean;
}

/** Function hooks of a mode that belong to the load mode (and to the viewer when it is on). */
function functionPlan(
  mode: 'trampoline' | 'probe',
  hooks: ReadonlyArray<FunctionHook>,
  settings: Pick<ModeSettings, 'returnMode' | 'networkViewer'>,
  features: Pick<Features, 'hasKernelFunction'>,
): { programs: Map<string, Attacher>; targets: Map<string, string> } {
  const loadMode = settings.returnMode ? 'return' : 'entry';
  const wanted = hooks.filter(
    (hook) => (hook.loadMode === undefined || hook.loadMode === loadMode) && (!hook.networkViewer || settings.networkViewer),
  );
  return planFunctionHooks(MODULE, mode, wanted, features);
}

/** How the tracepoint family sees socket I/O on this kernel. */
export type SocketIoSource = 'sock_length' | 'syscalls';

/**
 * `sock:sock_send_length` and `sock:sock_recv_length` (6.3+) when both exist,
 * else the socket I/O syscalls.
 */
export function socketIoSource(exists: (category: string, event: string) => boolean): SocketIoSource {
  return SOCK_LENGTH_HOOKS.every((h) => exists(h.category, h.event)) ? 'sock_length' : 'syscalls';
}

/**
 * Tracepoint programs whose events exist, each attached to all of its events;
 * a missing required event fails the mode.
 */
function tracepointPlan(options: PlanOptions, features: Pick<Features, 'tpBtf' | 'rawTracepoint'>): Map<string, Attacher> {
  const exists = (category: string, event: string) => tracepointExists(MODULE, category, event);
  const source = options.tracepointIo ?? socketIoSource(exists);
  if (source === 'syscalls') {
    options.logger?.info(
      `socket: tracepoint mode counts socket I/O from the read/write/send/recv syscalls (${options.tracepointIo ? 'as asked' : 'this kernel has no sock:sock_send_length/sock_recv_length, Linux 6.3+'})`,
    );
  }
  const programs = planTracepointHooks(MODULE, [...(source === 'sock_length' ? SOCK_LENGTH_HOOKS : SYSCALL_IO_HOOKS), ...TRACEPOINT_HOOKS], exists, 'tracepoint', {
    kind: tracepointKind(features),
  });
  const accept = planSyscallExit(
    {
      program: ACCEPT_SYSCALL_EXIT_PROGRAM,
      perSyscall: () => {
        const perSyscall = planTracepointHooks(MODULE, ACCEPT_HOOKS, exists);
        return { programs: perSyscall, hooked: ACCEPT_HOOKS.filter((h) => perSyscall.has(h.program)).map((h) => `${h.category}/${h.event}`) };
      },
      order: ACCEPT_EXIT_ORDER,
      shareGeneric: true,
    },
    features,
  );
  for (const [program, attacher] of accept.programs) programs.set(program, attacher);
  return programs;
}

/**
 * The accept exits: per-syscall tracepoints first, since a generic `sys_exit`
 * program of socket's own runs on every syscall (socket alone, same run:
 * +125 ns on getppid and +130 on read against +85 and +64 with the two
 * tracepoints); the generic program when another collector (vfs, fd,
 * filesystem) already has one there: then only its own run is added to other
 * syscalls (fd's beside vfs: 15-25 ns), and two perf-event links are saved
 * (bench/README.md, issue 12, session 5).
 */
const ACCEPT_EXIT_ORDER: ReadonlyArray<SyscallExitHook> = ['tracepoint', 'tp_btf', 'raw_tp'];

/** What {@link planMode} may be told besides the mode. */
export interface PlanOptions {
  /** Told when the tracepoint family falls back to the syscalls. */
  readonly logger?: Pick<Logger, 'info'>;
  /** The tracepoint family's socket I/O source; default: {@link socketIoSource} of the running kernel. */
  readonly tracepointIo?: SocketIoSource;
  /** network.conf's table sizes (the per-socket tables' sizes); default: the stock sizes. */
  readonly tables?: NetworkConfig['tables'];
}

/** The load plan of one attach mode. */
export function planMode(
  mode: AttachMode,
  settings: Pick<ModeSettings, 'returnMode' | 'networkViewer'>,
  features: Pick<Features, 'hasKernelFunction' | 'tpBtf' | 'rawTracepoint'>,
  options: PlanOptions = {},
): CounterModePlan {
  const fromFunctions =
    mode === 'tracepoint'
      ? { programs: tracepointPlan(options, features), targets: new Map<string, string>() }
      : functionPlan(mode, mode === 'trampoline' ? TRAMPOLINE_HOOKS : PROBE_HOOKS, settings, features);
  return {
    programs: fromFunctions.programs,
    targets: fromFunctions.targets,
    configure(spec) {
      const viewer = settings.networkViewer;
      spec.setGlobal(GLOBAL.nvEnabled, viewer);
      // Off: the tables stay, as small as the kernel allows, and nothing writes them.
      spec.map(MAP.connV4).maxEntries = viewer ? (options.tables?.ipv4Connections ?? TABLE_SIZE_KEYS.ipv4Connections.default) : 1;
      spec.map(MAP.connV6).maxEntries = viewer ? (options.tables?.ipv6Connections ?? TABLE_SIZE_KEYS.ipv6Connections.default) : 1;
      if (!viewer) spec.map(MAP.nvSocket).maxEntries = 1;
    },
  };
}

/** Netdata's socket thread as the kit's counter collector, for one network.conf. */
function socketSpec(options: SocketCollectorOptions, network: NetworkConfig): CounterCollectorSpec<ModeSettings> {
  return {
    ...SOCKET_REGISTRATION,
    objectUrl: import.meta.url,
    maps: { totals: MAP.totals, pids: MAP.pids },
    pidLanes: PID_LANES,
    settings: (base: CounterSettings, config: CollectorConfig) => ({ ...base, networkViewer: config.networkConnections === true }),
    plan: (settings, { features, logger }) =>
      planMode(settings.mode, settings, features, {
        logger,
        tables: network.tables,
        ...(options.tracepointIo ? { tracepointIo: options.tracepointIo } : {}),
      }),
    charts: socketCharts,
  };
}

/** The network viewer of a running instance: its tables and chart state. */
interface Viewer {
  readonly tables: ReadonlyArray<BpfMap>;
  readonly charts: ConnectionCharts;
  readonly hostNames: HostNames | undefined;
}

/**
 * A running socket collector: the kit's counter-table instance, plus the
 * per-connection charts when `network connections = yes`.
 */
class SocketInstance extends CounterTablesInstance implements SocketCollectorInstance {
  readonly #viewer: Viewer | undefined;

  constructor(
    options: CounterTablesInstanceOptions,
    readonly network: NetworkConfig,
    viewer: Viewer | undefined,
  ) {
    super(options);
    this.#viewer = viewer;
  }

  override charts(): ChartDefinition[] {
    const viewer = this.#viewer;
    return viewer ? [...super.charts(), ...viewer.charts.values().map((c) => c.chart)] : super.charts();
  }

  override collect(): CollectorFrame {
    const frame = super.collect();
    const viewer = this.#viewer;
    if (viewer === undefined) return frame;
    const entries = viewer.tables.flatMap((table) => decodeConnections(table.readAll()));
    // Read at most once a tick, and only when a socket the kernel did not see accepted shows up.
    let listening: Set<number> | undefined;
    viewer.charts.update(
      entries,
      (port) => (listening ??= readListeningTcpPorts()).has(port),
      viewer.hostNames ? (address) => viewer.hostNames!.get(address) : undefined,
    );
    return { ...frame, charts: [...frame.charts, ...viewer.charts.values()] };
  }
}

/** network.conf's socket keys, with every problem logged. */
function readNetworkConfig(context: CollectorContext, options: SocketCollectorOptions): NetworkConfig {
  const listenPort = options.listenPort ?? process.env.NETDATA_LISTEN_PORT;
  const parsed = parseNetworkConfig(context.config.sections, {
    ...(options.lookupService ? { lookupService: options.lookupService } : {}),
    ...(listenPort !== undefined ? { listenPort } : {}),
  });
  for (const error of parsed.errors) context.logger.warn(error.message);
  for (const note of parsed.notes) context.logger.info(`socket: ${note}`);
  return parsed.config;
}

/** What the socket collector says about itself. */
const SOCKET_REGISTRATION = {
  name: MODULE,
  configKeys: ['socket', 'network viewer'],
  configFile: 'network.conf',
  cliFlag: 'net',
  description: 'TCP and UDP calls, bandwidth and errors, TCP connections, closes and retransmits',
  modes: ['trampoline', 'probe', 'tracepoint'] as AttachMode[],
  usesLoadMode: true,
  extraGlobalKeys: Object.values(TABLE_SIZE_KEYS).map((k) => k.key),
};

/**
 * A socket collector definition. Use {@link socketCollector} unless the
 * object file lives somewhere else or you want its raw readings.
 */
export function createSocketCollector(options: SocketCollectorOptions = {}): SocketCollectorDefinition {
  return defineCollector({
    ...registrationOf({ ...SOCKET_REGISTRATION, selfTest: socketSelfTest }),
    /**
     * Load and attach in the first mode of `modeOrder(config)` that works.
     * @throws AttachError (`ENOATTACH`) with one attempt per mode when none worked
     */
    async start(context: CollectorContext): Promise<SocketCollectorInstance> {
      const network = readNetworkConfig(context, options);
      const { loaded, instance } = await startCounterCollector(socketSpec(options, network), context, options);
      const viewer = loaded.settings.networkViewer;
      const connections = network.connections;
      if (viewer) {
        context.logger.info(
          `socket: network connections on: at most ${connections.maxSockets} destinations per chart (maximum dimensions = ${connections.maximumDimensions}), the rest as "other"`,
        );
      }
      return new SocketInstance(
        instance,
        network,
        viewer
          ? {
              tables: [loaded.object.map(MAP.connV4), loaded.object.map(MAP.connV6)],
              charts: new ConnectionCharts({
                updateEvery: context.config.updateEvery,
                config: connections,
                ...(connections.resolveServiceNames ? { serviceOfPort: options.serviceOfPort ?? systemServicePortNames() } : {}),
              }),
              hostNames: connections.resolveHostnames ? new HostNames(options.reverseLookup) : undefined,
            }
          : undefined,
      );
    },
  });
}

/** Netdata's socket thread: `ip.*`, `apps.*`, `cgroup_*.*` and `services.*` network charts. */
export const socketCollector: SocketCollectorDefinition = createSocketCollector();
