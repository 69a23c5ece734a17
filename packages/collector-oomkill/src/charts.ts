/**
 * The oomkill chart table and the per-group totals behind it.
 */
import type { ChartDefinition, ChartValues, CollectorFrame, GroupMetric, GroupTotals } from '@ebpf-collectors/core';
import { GroupChartBuilder } from '@ebpf-collectors/core';
import {
  CGROUP_DIMENSION,
  CHART_ID,
  CONTEXT_CGROUP,
  FAMILY,
  MODULE,
  OTHER,
  PRIORITY,
  TITLE_APPS,
  TITLE_GROUPS,
  UNITS,
} from './metrics.js';
import type { OomAttribution } from './types.js';

/** `apps.oomkills` (kills this interval, per app group), `cgroup_<name>.oomkills` and `services.oomkills`. */
export const OOMKILL_METRIC: GroupMetric = {
  id: CHART_ID,
  title: TITLE_APPS,
  units: UNITS,
  value: (lanes) => lanes[0] ?? 0n,
  apps: { family: FAMILY, context: '', chartType: 'stacked', priority: PRIORITY.apps, algorithm: 'absolute' },
  cgroup: {
    family: FAMILY,
    context: CONTEXT_CGROUP,
    chartType: 'line',
    priority: PRIORITY.cgroup,
    algorithm: 'absolute',
    title: TITLE_GROUPS,
    dimension: { id: CGROUP_DIMENSION },
  },
  services: { family: FAMILY, context: '', chartType: 'line', priority: PRIORITY.services, algorithm: 'incremental', title: TITLE_GROUPS },
};

/** Options of {@link OomkillCharts}. */
export interface OomkillChartOptions {
  readonly updateEvery: number;
  readonly apps: boolean;
  readonly cgroups: boolean;
  /** apps_groups.conf group names in file order (`other` last), to order dimensions; absent: first seen first. */
  readonly appOrder?: ReadonlyArray<string>;
  /** Whether a cgroup directory still exists (a cgroup charted for its kills stays while it does). */
  readonly exists?: (path: string) => boolean;
}

/** What the groups of one tick are. */
export interface OomkillTick {
  /** Victims of this tick, placed. */
  readonly kills: ReadonlyArray<{ readonly attribution: OomAttribution; readonly kills: bigint }>;
  /** Kills the kernel could not record (table full): charted under `other`. */
  readonly unrecorded: bigint;
  /** App groups exposed by the PID table. */
  readonly exposedApps: ReadonlyArray<string>;
  /** Cgroups and services the PID table lists now. */
  readonly cgroups: ReadonlyArray<string>;
  readonly services: ReadonlyArray<string>;
}

/**
 * Keeps monotonic kill totals per app group, cgroup and service and turns
 * ticks into frames. An app group that had a kill keeps its dimension (as
 * the groups exposed by processes do); a cgroup or service that had one is
 * charted while the PID table lists it or its directory exists, then its
 * charts are obsoleted.
 */
export class OomkillCharts {
  readonly #options: OomkillChartOptions;
  readonly #builder: GroupChartBuilder;
  readonly #apps = new Map<string, bigint>();
  readonly #cgroups = new Map<string, bigint>();
  readonly #services = new Map<string, bigint>();
  /** Groups charted because of a kill, with the directory that keeps them charted. */
  readonly #killedApps = new Set<string>();
  readonly #killedCgroups = new Map<string, string | undefined>();
  readonly #killedServices = new Map<string, string | undefined>();

  constructor(options: OomkillChartOptions) {
    this.#options = options;
    this.#builder = new GroupChartBuilder({ module: MODULE, updateEvery: options.updateEvery, metrics: [OOMKILL_METRIC] });
  }

  /** The app groups with a dimension: exposed ones and those that had a kill, in apps_groups.conf order. */
  appNames(exposed: ReadonlyArray<string>): string[] {
    const names = new Set([...exposed, ...this.#killedApps]);
    const order = this.#options.appOrder;
    if (order === undefined) return [...names];
    const rank = new Map(order.map((n, i) => [n, i]));
    return [...names].sort((a, b) => (rank.get(a) ?? order.length) - (rank.get(b) ?? order.length));
  }

  /** Definitions of the charts emitted now (the apps chart once it has a dimension). */
  charts(exposed: ReadonlyArray<string>): ChartDefinition[] {
    const names = this.appNames(exposed);
    return this.#options.apps && names.length > 0 ? this.#builder.definitions('apps', names) : [];
  }

  /** The frame of one tick. */
  frame(tick: OomkillTick): CollectorFrame {
    const fresh = new Set<string>();
    for (const { attribution, kills } of tick.kills) {
      add(this.#apps, attribution.app, kills);
      this.#killedApps.add(attribution.app);
      if (attribution.cgroup !== undefined) {
        add(this.#cgroups, attribution.cgroup, kills);
        this.#killedCgroups.set(attribution.cgroup, attribution.cgroupPath);
        fresh.add(`c\0${attribution.cgroup}`);
      }
      if (attribution.service !== undefined) {
        add(this.#services, attribution.service, kills);
        this.#killedServices.set(attribution.service, attribution.cgroupPath);
        fresh.add(`s\0${attribution.service}`);
      }
    }
    if (tick.unrecorded > 0n) {
      add(this.#apps, OTHER, tick.unrecorded);
      this.#killedApps.add(OTHER);
    }
    const charts: ChartValues[] = [];
    let obsolete: string[] = [];
    if (this.#options.apps) {
      const names = this.appNames(tick.exposedApps);
      const apps = this.#builder.apps(names, totals(this.#apps));
      if (names.length > 0) charts.push(...apps);
    }
    if (this.#options.cgroups) {
      const cgroups = this.#listed(tick.cgroups, this.#killedCgroups, (n) => fresh.has(`c\0${n}`));
      const result = this.#builder.cgroups(cgroups, totals(this.#cgroups));
      charts.push(...result.charts);
      obsolete = result.obsolete;
      const services = this.#listed(tick.services, this.#killedServices, (n) => fresh.has(`s\0${n}`));
      const serviceCharts = this.#builder.services(services, totals(this.#services));
      if (services.length > 0) charts.push(...serviceCharts);
    }
    return obsolete.length > 0 ? { charts, obsolete } : { charts };
  }

  /**
   * Listed groups plus those kept for their kills, sorted: a group is kept
   * in the tick of its kill, then while its directory exists (as long as the
   * PID table does not list it); one without a known directory only in that tick.
   */
  #listed(listed: ReadonlyArray<string>, killed: Map<string, string | undefined>, fresh: (name: string) => boolean): string[] {
    const now = new Set(listed);
    const exists = this.#options.exists ?? (() => false);
    for (const [name, path] of killed) {
      if (now.has(name)) continue;
      if (fresh(name) || (path !== undefined && exists(path))) now.add(name);
      else killed.delete(name);
    }
    return [...now].sort();
  }
}

function add(map: Map<string, bigint>, key: string, n: bigint): void {
  map.set(key, (map.get(key) ?? 0n) + n);
}

function totals(map: Map<string, bigint>): GroupTotals {
  return new Map([...map].map(([name, total]) => [name, [total]]));
}
