/**
 * `ebpf.plugin` entry point: arguments, privileges, kernel checks, config,
 * then the agent until a signal or a closed stdout.
 */
import { readFileSync } from 'node:fs';
import {
  createAgent,
  createGroupAccumulator,
  createStreamLogger,
  loadAppsGroupsLogged,
  loadConfig,
  NETDATA_MODULES,
  configModules,
  parseLogLevel,
  PidTable,
  resolveConfigDirs,
  formatSelfTestResult,
  runSelfTest,
  type AgentStartResult,
  type AttachReport,
  type CollectorDefinition,
  type Logger,
  type Output,
} from '@ebpf-collectors/core';
import { capabilityNames, createLoader, dropCapabilities, ensureTracefs, threadCapabilities, type Loader } from '@ebpf-collectors/loader-native';
import { helpText, parseArguments, UsageError, type PluginArguments } from './cli.js';
import { discoverCollectors } from './collectors.js';
import { isPackageSpec, thirdPartyCollectors } from './packages.js';
import { checkKernel } from './kernel.js';
import { checkPrivileges, KEPT_CAPABILITIES, missingRecommended } from './privileges.js';
import { createOutputs } from './outputs.js';
import { formatCheckReport } from './report.js';


/** Exit codes, also listed in `--help`. */
export const EXIT = {
  ok: 0,
  failure: 1,
  kernel: 2,
  privileges: 3,
  usage: 64,
} as const;

function packageVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** Options of {@link main} for embedding and tests. */
export interface MainOptions {
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  /**
   * Aborted when the process was told to stop before `main` could listen
   * (the launcher catches signals from its first line); `main` then stops
   * at its next step with exit 0.
   */
  stopSignal?: AbortSignal;
}

/**
 * Run the plugin. Resolves with the exit code; never calls `process.exit`
 * itself, so everything it attached is closed before the caller exits.
 */
export async function main(argv: ReadonlyArray<string>, options: MainOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const version = packageVersion();

  let args: PluginArguments;
  try {
    args = parseArguments(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      stderr.write(`ebpf.plugin: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  if (args.help) {
    stdout.write(helpText(version));
    return EXIT.ok;
  }
  if (args.version) {
    stdout.write(`ebpf.plugin ${version}\n`);
    return EXIT.ok;
  }

  const level = args.logLevel ? parseLogLevel(args.logLevel) : 'info';
  if (!level) {
    stderr.write(`ebpf.plugin: --log-level must be debug, info, warn or error, not "${args.logLevel}"\n`);
    return EXIT.usage;
  }
  const logger = createStreamLogger({ level, stream: stderr });

  const privileges = checkPrivileges();
  if (!privileges.ok) {
    logger.error(`not privileged: ${privileges.detail}; run as root or grant CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH (README: Running without root)`);
    return EXIT.privileges;
  }
  const recommended = missingRecommended();
  if (recommended) logger.warn(recommended);

  const dirs = resolveConfigDirs({ env, ...(args.configDir ? { configDir: args.configDir } : {}) });
  const loader = createLoader({ logger });
  const kernel = checkKernel(loader, dirs);
  if (!kernel.ok) {
    logger.error(`this kernel cannot run the eBPF collectors: ${kernel.reason}`);
    return EXIT.kernel;
  }
  try {
    ensureTracefs();
  } catch (error) {
    logger.warn(`tracefs: ${error instanceof Error ? error.message : String(error)}; tracepoint programs may fail to attach`);
  }

  const discovered = await discoverCollectors();
  // Third-party packages: --collectors entries that are package names or paths, and ebpf.d.conf [collector packages].
  const thirdParty = await thirdPartyCollectors({
    commandLine: (args.collectors ?? []).filter(isPackageSpec),
    dirs,
    logError: (message) => logger.error(message),
  });
  if (!thirdParty.ok) {
    logger.error(thirdParty.message);
    return EXIT.usage;
  }
  for (const definition of thirdParty.definitions) {
    if (!discovered.available.some((c) => c.name === definition.name)) discovered.available.push(definition);
  }
  for (const broken of discovered.broken) {
    logger.error(`${broken.packageName} is installed but cannot be loaded: ${broken.error.message}`);
  }

  let wanted: string[] | undefined;
  if (args.collectors) {
    wanted = [...new Set([...args.collectors.filter((entry) => !isPackageSpec(entry)), ...thirdParty.fromCommandLine])];
    const known = new Set([...discovered.available.map((c) => c.name), ...NETDATA_MODULES.map((m) => m.name)]);
    for (const name of wanted) {
      if (!known.has(name)) {
        logger.error(
          `--collectors: unknown collector "${name}"; known: ${[...known].join(', ')} ` +
            '(a collector package is named with its scope or as a path: @scope/collector-x, ./dir)',
        );
        return EXIT.usage;
      }
    }
  }
  // Core layers files and the command line alike and records where every value came from (--check prints it).
  const config = await loadConfig({
    dirs,
    modules: configModules(discovered.available),
    cli: {
      ...args.netdata,
      ...(args.updateEvery !== undefined ? { updateEvery: args.updateEvery } : {}),
      ...(args.mode !== undefined ? { mode: args.mode } : {}),
      ...(wanted !== undefined ? { collectors: wanted } : {}),
    },
    ...(args.updateEveryArg !== undefined ? { updateEveryArg: args.updateEveryArg } : {}),
  });
  for (const error of config.errors) logger.error(error.message);
  for (const warning of config.warnings) logger.warn(warning);
  const configs = config.collectors;
  const available = new Set(discovered.available.map((c) => c.name));
  for (const [name, collectorConfig] of configs) {
    if (!collectorConfig.enabled || available.has(name)) continue;
    const pkg = discovered.missing.find((m) => m.modules.includes(name));
    logger.info(
      pkg
        ? `${name} is enabled in the config but ${pkg.packageName} is not installed (npm i ${pkg.packageName})`
        : `${name} is enabled in the config but no installed collector implements it yet`,
    );
  }

  const anyCgroups = [...configs.values()].some((c) => c.enabled && c.cgroups);
  const grouping = new PidTable({
    apps: loadAppsGroupsLogged(dirs, logger),
    cgroups: anyCgroups,
    maxPids: Math.max(...[...configs.values()].map((c) => c.pidTableSize)),
    logger,
  });

  // Aborted by signals, a closed stdout, --duration and a finished --once snapshot.
  const stop = new AbortController();
  if (options.stopSignal?.aborted) return EXIT.ok;
  options.stopSignal?.addEventListener('abort', () => stop.abort(String(options.stopSignal?.reason ?? 'signal')), { once: true });
  let outputs: Output[] = [];
  if (!args.check && !args.selfTest) {
    const chosen = await createOutputs(args, stdout, logger, () => stop.abort());
    if (!chosen.ok) {
      logger.error(chosen.message);
      return EXIT.usage;
    }
    outputs = chosen.outputs;
  }
  const agent = createAgent({
    collectors: discovered.available,
    configs,
    outputs,
    loader,
    logger,
    grouping,
    createAccumulator: (by, lanes) => createGroupAccumulator(grouping, by, lanes),
    // Netdata's own switch for its plugins' internal charts.
    ...(env.NETDATA_INTERNALS_MONITORING?.toUpperCase() === 'NO' ? {} : { internalCharts: { updateEvery: config.global.updateEvery } }),
  });

  const onSignal = (signal: NodeJS.Signals) => {
    logger.info(`received ${signal}, detaching and exiting`);
    stop.abort(signal);
  };
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGPIPE', 'SIGHUP', 'SIGQUIT'];
  for (const s of signals) process.on(s, onSignal);
  // A closed stdout shows up as an EPIPE error event; without a listener Node would crash instead of detaching.
  const onStdoutError = () => stop.abort('stdout closed');
  stdout.on('error', onStdoutError);
  const durationTimer = args.durationSeconds
    ? setTimeout(() => stop.abort(`--duration ${args.durationSeconds} s elapsed`), args.durationSeconds * 1000)
    : undefined;

  let ticking: Promise<unknown> | undefined;
  try {
    const starting = agent.start(stop.signal);
    // Charts go out as soon as the first collector runs, while the others still load
    // (bench/README.md, issue 12: exec to first chart); --check and --self-test wait for all,
    // and so does EBPF_PLUGIN_CHARTS_WHILE_LOADING=no (for same-run comparisons).
    const early = !args.check && !args.selfTest && env.EBPF_PLUGIN_CHARTS_WHILE_LOADING?.toLowerCase() !== 'no';
    const runner = early ? agent.run(stop.signal) : undefined;
    ticking = runner?.catch(() => undefined);
    const started = await starting;
    // Told to stop while loading: what attached is detached by close(), and that is a normal stop.
    if (stop.signal.aborted) {
      logger.info('stopping (asked to while collectors were loading)');
      return EXIT.ok;
    }
    if (args.check) {
      if (args.json) {
        const usesLoadMode = new Set(discovered.available.filter((c) => c.usesLoadMode).map((c) => c.name));
        for (const report of started.reports) {
          stdout.write(`${JSON.stringify({ kind: 'attach', ...report, usesLoadMode: usesLoadMode.has(report.collector) })}\n`);
        }
      } else {
        stdout.write(formatCheckReport({ version, loader, reports: started.reports, configs, sources: config.sources, discovered }));
      }
      const enabledAvailable = [...configs.values()].filter((c) => c.enabled && available.has(c.module)).length;
      return started.failed.length === 0 && started.running.length === enabledAvailable && enabledAvailable > 0
        ? EXIT.ok
        : EXIT.failure;
    }
    if (args.selfTest) {
      return await selfTest(started, discovered.available, grouping, logger, stdout, args);
    }
    if (started.running.length === 0) {
      logger.error('no collector could start; nothing to do (run with --check to see why)');
      return EXIT.failure;
    }
    if (env.EBPF_PLUGIN_KEEP_CAPABILITIES?.toLowerCase() !== 'yes') dropPrivileges(logger);
    const reason = await (runner ?? agent.run(stop.signal));
    // Who asked: a signal's name, a closed stdout, --duration (the agent only knows "signal").
    logger.info(`stopping (${typeof stop.signal.reason === 'string' ? stop.signal.reason : reason})`);
    return EXIT.ok;
  } finally {
    if (durationTimer) clearTimeout(durationTimer);
    // A heartbeat started beside loading ends at its next step once stopped; wait for it
    // so no collection is in flight while the objects close.
    if (!stop.signal.aborted) stop.abort('exiting');
    await ticking;
    await agent.close();
    for (const s of signals) process.off(s, onSignal);
    stdout.off('error', onStdoutError);
  }
}

/**
 * Everything is attached: keep only what reading maps and files needs (KEPT_CAPABILITIES), set
 * no_new_privs. Nothing is loaded or attached after this point; a failure to
 * drop is logged and the plugin runs on.
 */
function dropPrivileges(logger: Logger): void {
  try {
    const drop = dropCapabilities(KEPT_CAPABILITIES);
    const wider = [...threadCapabilities()].filter(([, mask]) => (mask & ~drop.kept) !== 0n).length;
    logger.info(
      `capabilities dropped after attaching: keeping ${capabilityNames(drop.kept).join(', ') || 'none'}, no_new_privs set` +
        (wider > 0 ? ` (${wider} of ${drop.threads} threads could not take the drop: Node's signal threads block it)` : ''),
    );
  } catch (error) {
    logger.warn(`could not drop capabilities: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `--self-test`: each running collector's own workload and checks; exit 0 only when every one passed. */
async function selfTest(
  started: AgentStartResult,
  definitions: ReadonlyArray<CollectorDefinition>,
  grouping: PidTable,
  logger: Logger,
  stdout: NodeJS.WriteStream,
  args: PluginArguments,
): Promise<number> {
  const print = (line: object | string) =>
    stdout.write(typeof line === 'string' ? line : `${JSON.stringify(line, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
  let ok = started.failed.length === 0;
  for (const failed of started.failed) {
    print(args.json ? { kind: 'self-test', collector: failed.name, ok: false, error: failed.error.message, report: failed.report } : `FAIL ${failed.name}: not started: ${failed.error.message}\n`);
  }
  let ran = 0;
  for (const running of started.running) {
    const definition = definitions.find((d) => d.name === running.name);
    if (!definition?.selfTest) {
      print(args.json ? { kind: 'self-test', collector: running.name, ok: true, skipped: 'no self-test' } : `SKIP ${running.name}: no self-test\n`);
      continue;
    }
    const result = await runSelfTest({
      name: running.name,
      selfTest: definition.selfTest,
      instance: running.instance,
      config: running.config,
      grouping,
      logger,
      scale: args.scale,
    });
    ran++;
    ok &&= result.ok;
    print(args.json ? { kind: 'self-test', ...result } : formatSelfTestResult(result));
  }
  return ok && ran > 0 ? EXIT.ok : EXIT.failure;
}

/** apps_groups.conf from the user dir, else the stock one; without either, every process is `other`. */

export type { AttachReport, Loader };
