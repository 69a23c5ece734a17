/**
 * The five-line use: an agent over some collectors and outputs with
 * everything else chosen as `ebpf.plugin` chooses it (Netdata's
 * configuration files or our shipped defaults, the real loader, logs on
 * stderr, apps groups from `apps_groups.conf`, cgroups from /proc).
 */
import { createLoader, type Loader } from '@ebpf-collectors/loader-native';
import { createAgent, type Agent } from './agent.js';
import { loadConfig, resolveConfigDirs, type LoadedConfig } from './config/load.js';
import { configModules } from './config/modules.js';
import { createGroupAccumulator } from './grouping/accumulator.js';
import { emptyAppsGroups, loadAppsGroups, type AppsGroups } from './grouping/apps-groups.js';
import { PidTable } from './grouping/pid-table.js';
import { createStreamLogger } from './logger.js';
import type { CollectorDefinition, Logger, Output } from './types.js';

/** Options of {@link createDefaultAgent}. */
export interface DefaultAgentOptions {
  /** The collectors to run (all of them: the configuration files decide their options, not whether they run). */
  collectors: ReadonlyArray<CollectorDefinition>;
  outputs: ReadonlyArray<Output>;
  /** Seconds between values, over the configuration files. Default: the files' `update every`. */
  updateEvery?: number;
  /**
   * Netdata's user configuration directory (`ebpf.d.conf`, `ebpf.d/`,
   * `apps_groups.conf`). Default: `$NETDATA_USER_CONFIG_DIR` or `/etc/netdata`;
   * what is not there comes from Netdata's stock files or ours.
   */
  configDir?: string;
  /** Default: `info` and above on stderr. */
  logger?: Logger;
  /** Default: a new loader with `logger`. */
  loader?: Loader;
  /** Environment for the config directories. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** An agent plus the configuration it resolved (with where every value came from). */
export interface DefaultAgent extends Agent {
  readonly config: LoadedConfig;
}

/** `apps_groups.conf` from the user's or the stock directory; every problem logged. */
export function loadAppsGroupsLogged(dirs: { user?: string; stock?: string }, logger: Logger): AppsGroups {
  try {
    const loaded = loadAppsGroups(dirs);
    for (const error of loaded.errors) logger.error(error.message);
    for (const warning of loaded.warnings) logger.warn(warning.message);
    return loaded.groups;
  } catch (error) {
    logger.error(`${error instanceof Error ? error.message : String(error)}; apps charts will show every process as "other"`);
    return emptyAppsGroups();
  }
}

/**
 * An agent with everything but its collectors and outputs chosen for it.
 * Configuration problems are logged, not thrown; nothing is loaded until
 * `start()`.
 *
 * @example
 * const agent = await createDefaultAgent({ collectors: [processCollector], outputs: [jsonOutput()] });
 * await agent.start();
 * await agent.run(AbortSignal.timeout(10_000));
 * await agent.close();
 */
export async function createDefaultAgent(options: DefaultAgentOptions): Promise<DefaultAgent> {
  const logger = options.logger ?? createStreamLogger({ name: 'ebpf-collectors' });
  const dirs = resolveConfigDirs({ env: options.env ?? process.env, configDir: options.configDir });
  const config = await loadConfig({
    dirs,
    modules: configModules(options.collectors),
    cli: {
      collectors: options.collectors.map((c) => c.name),
      ...(options.updateEvery !== undefined ? { updateEvery: options.updateEvery } : {}),
    },
  });
  for (const error of config.errors) logger.error(error.message);
  for (const warning of config.warnings) logger.warn(warning);
  const running = [...config.collectors.values()].filter((c) => c.enabled);
  const grouping = new PidTable({
    apps: loadAppsGroupsLogged(dirs, logger),
    cgroups: running.some((c) => c.cgroups),
    maxPids: Math.max(1, ...running.map((c) => c.pidTableSize)),
    logger,
  });
  const agent = createAgent({
    collectors: options.collectors,
    configs: config.collectors,
    outputs: options.outputs,
    loader: options.loader ?? createLoader({ logger }),
    logger,
    grouping,
    createAccumulator: (by, lanes) => createGroupAccumulator(grouping, by, lanes),
  });
  return Object.assign(agent, { config });
}
