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
  CounterTablesInstanceOptions,
  LoadPlan,
  Attacher,
  Logger,
} from '@ebpf-collectors/core';
import {
  COLLECT_PID_LEVEL,
  CounterTablesInstance,
  attachCounterTables,
  effectiveAppsCgroups,
  loadAndAttach,
  pidTableEntries,
  pickKernelFunction,
  shippedObjectPath,
  tracepointExists,
} from '@ebpf-collectors/core';
import type { BpfMap, BpfObject, Features } from '@ebpf-collectors/loader-native';
import { SocketChartBuilder } from './charts.js';
import { ConnectionCharts, decodeConnections, readListeningTcpPorts } from './connections.js';
import { HostNames } from './hostnames.js';
import { TracepointMissingError } from './errors.js';
import {
  GLOBAL,
  MAP,
  PID_LANES,
  PROBE_HOOKS,
  SOCK_LENGTH_HOOKS,
  SYSCALL_IO_HOOKS,
  TRACEPOINT_HOOKS,
  TRAMPOLINE_HOOKS,
  type FunctionHook,
  type TracepointHook,
} from './internal-types.js';
import { MODULE } from './metrics.js';
import { TABLE_SIZE_KEYS, parseNetworkConfig, systemServicePortNames, type NetworkConfig } from './network-config.js';
import { socketSelfTest } from './self-test.js';
import type { SocketCollectorDefinition, SocketCollectorInstance, SocketCollectorOptions, SocketReading } from './types.js';

/** Attach modes this collector implements. */
const MODES: ReadonlyArray<AttachMode> = ['trampoline', 'probe', 'tracepoint'];

/** What the options decide for one attach mode. */
interface ModeSettings {
  readonly apps: boolean;
  readonly cgroups: boolean;
  readonly returnMode: boolean;
  /** `network connections = yes`: the per-socket tables and their charts. */
  readonly networkViewer?: boolean;
}

/** A loaded and attached object with the maps the collector reads. */
interface Loaded {
  readonly object: BpfObject;
  readonly totals: BpfMap;
  /** Absent when neither apps nor cgroup charts are on (the kernel keeps no per-PID values). */
  readonly pids: BpfMap | undefined;
  /** The per-socket tables, when the network viewer is on. */
  readonly connections: ReadonlyArray<BpfMap> | undefined;
  readonly settings: ModeSettings;
}

/** Function hooks of a mode that belong to the load mode; a missing optional function is left out. */
function functionPlan(
  mode: 'trampoline' | 'probe',
  hooks: ReadonlyArray<FunctionHook>,
  settings: Pick<ModeSettings, 'returnMode' | 'networkViewer'>,
  features: Pick<Features, 'hasKernelFunction'>,
): { programs: Map<string, Attacher>; targets: Map<string, string> } {
  const programs = new Map<string, Attacher>();
  const targets = new Map<string, string>();
  for (const hook of hooks) {
    if (hook.loadMode !== undefined && hook.loadMode !== (settings.returnMode ? 'return' : 'entry')) continue;
    if (hook.networkViewer && !settings.networkViewer) continue;
    if (hook.optional && !features.hasKernelFunction(hook.fn)) continue;
    const fn = pickKernelFunction(features, MODULE, mode, [hook.fn]);
    if (mode === 'trampoline') {
      targets.set(hook.program, fn);
      programs.set(hook.program, (p) => p.attachTrace());
    } else {
      programs.set(hook.program, (p) => p.attachKprobe(fn, hook.retprobe ? { retprobe: true } : {}));
    }
  }
  return { programs, targets };
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
function tracepointPlan(options: PlanOptions): Map<string, Attacher> {
  const exists = (category: string, event: string) => tracepointExists(MODULE, category, event);
  const source = options.tracepointIo ?? socketIoSource(exists);
  const logger = options.logger;
  if (source === 'syscalls') {
    logger?.info(
      `socket: tracepoint mode counts socket I/O from the read/write/send/recv syscalls (${options.tracepointIo ? 'as asked' : 'this kernel has no sock:sock_send_length/sock_recv_length, Linux 6.3+'})`,
    );
  }
  const events = new Map<string, TracepointHook[]>();
  const missing: string[] = [];
  for (const hook of [...(source === 'sock_length' ? SOCK_LENGTH_HOOKS : SYSCALL_IO_HOOKS), ...TRACEPOINT_HOOKS]) {
    if (!exists(hook.category, hook.event)) {
      if (!hook.optional) missing.push(`${hook.category}:${hook.event}`);
      continue;
    }
    events.set(hook.program, [...(events.get(hook.program) ?? []), hook]);
  }
  if (missing.length > 0) throw new TracepointMissingError('tracepoint', missing);
  const programs = new Map<string, Attacher>();
  for (const [program, hooks] of events) {
    programs.set(program, (p) => {
      // The object owns every link, so only the last one needs returning.
      const links = hooks.map((h) => (h.raw ? p.attachRawTracepoint(h.event) : p.attachTracepoint(h.category, h.event)));
      return links[links.length - 1]!;
    });
  }
  return programs;
}

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
  config: CollectorConfig,
  settings: ModeSettings,
  features: Pick<Features, 'hasKernelFunction'>,
  options: PlanOptions = {},
): LoadPlan {
  const perPid = settings.apps || settings.cgroups;
  const fromFunctions =
    mode === 'tracepoint'
      ? { programs: tracepointPlan(options), targets: new Map<string, string>() }
      : functionPlan(mode, mode === 'trampoline' ? TRAMPOLINE_HOOKS : PROBE_HOOKS, settings, features);
  return {
    programs: fromFunctions.programs,
    targets: fromFunctions.targets,
    configure(spec) {
      const pids = spec.map(MAP.pids);
      pids.maxEntries = pidTableEntries(config, perPid);
      if (perPid && config.mapsPerCore) pids.setKind('percpu_hash');
      spec.setGlobal(GLOBAL.collectPid, COLLECT_PID_LEVEL[config.collectPid]);
      spec.setGlobal(GLOBAL.appsEnabled, perPid);
      spec.setGlobal(GLOBAL.pidPerCpu, perPid && config.mapsPerCore);
      const viewer = settings.networkViewer === true;
      spec.setGlobal(GLOBAL.nvEnabled, viewer);
      // Off: the tables stay, as small as the kernel allows, and nothing writes them.
      spec.map(MAP.connV4).maxEntries = viewer ? (options.tables?.ipv4Connections ?? TABLE_SIZE_KEYS.ipv4Connections.default) : 1;
      spec.map(MAP.connV6).maxEntries = viewer ? (options.tables?.ipv6Connections ?? TABLE_SIZE_KEYS.ipv6Connections.default) : 1;
      if (!viewer) spec.map(MAP.nvSocket).maxEntries = 1;
    },
  };
}

async function loadInMode(
  context: CollectorContext,
  objectPath: string,
  mode: AttachMode,
  tracepointIo: SocketIoSource | undefined,
  network: NetworkConfig,
): Promise<Loaded> {
  const { config, logger } = context;
  const decision = effectiveAppsCgroups(config, mode);
  const settings: ModeSettings = {
    apps: decision.apps,
    cgroups: decision.cgroups,
    returnMode: config.loadMode === 'return',
    networkViewer: config.networkConnections === true,
  };
  const plan = planMode(mode, config, settings, context.loader.features, {
    logger,
    tables: network.tables,
    ...(tracepointIo ? { tracepointIo } : {}),
  });
  const object = await loadAndAttach(context, objectPath, MODULE, plan);
  // Said only for the mode that runs: a failed probe attempt turned nothing off.
  if (decision.reason !== undefined) logger.info(decision.reason);
  logger.debug(`socket: ${mode} mode, programs ${[...plan.programs.keys()].join(', ')}`);
  return {
    object,
    totals: object.map(MAP.totals),
    pids: settings.apps || settings.cgroups ? object.map(MAP.pids) : undefined,
    connections: settings.networkViewer ? [object.map(MAP.connV4), object.map(MAP.connV6)] : undefined,
    settings,
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

/**
 * A socket collector definition. Use {@link socketCollector} unless the
 * object file lives somewhere else or you want its raw readings.
 */
export function createSocketCollector(options: SocketCollectorOptions = {}): SocketCollectorDefinition {
  const objectPath = options.objectPath ?? shippedObjectPath(import.meta.url, MODULE);
  return {
    name: MODULE,
    configKeys: ['socket', 'network viewer'],
    configFile: 'network.conf',
    cliFlag: 'net',
    enabledByDefault: false,
    defaultCollectPid: 'real parent',
    modes: MODES,
    description: 'TCP and UDP calls, bandwidth and errors, TCP connections, closes and retransmits',
    extraGlobalKeys: Object.values(TABLE_SIZE_KEYS).map((k) => k.key),
    selfTest: socketSelfTest,
    /**
     * Load and attach in the first mode of `modeOrder(config)` that works.
     * @throws AttachError (`ENOATTACH`) with one attempt per mode when none worked
     */
    async start(context: CollectorContext): Promise<SocketCollectorInstance> {
      const network = readNetworkConfig(context, options);
      const { loaded: value, instance } = await attachCounterTables({
        module: MODULE,
        modes: MODES,
        context,
        pidLanes: PID_LANES,
        load: (m) => loadInMode(context, objectPath, m, options.tracepointIo, network),
        builder: ({ settings }) =>
          new SocketChartBuilder({
            updateEvery: context.config.updateEvery,
            returnMode: settings.returnMode,
            apps: settings.apps,
            cgroups: settings.cgroups,
          }),
        onRead: options.onRead,
      });
      const connections = network.connections;
      if (value.connections) {
        context.logger.info(
          `socket: network connections on: at most ${connections.maxSockets} destinations per chart (maximum dimensions = ${connections.maximumDimensions}), the rest as "other"`,
        );
      }
      return new SocketInstance(
        instance,
        network,
        value.connections
          ? {
              tables: value.connections,
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
  };
}

/** Netdata's socket thread: `ip.*`, `apps.*`, `cgroup_*.*` and `services.*` network charts. */
export const socketCollector: SocketCollectorDefinition = createSocketCollector();

