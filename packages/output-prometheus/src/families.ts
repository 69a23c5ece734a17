/**
 * The metric families the output keeps: latest value per label set, and the
 * objects prom-client's registries read them through.
 */
import type { Metric, Registry, RegistryContentType } from 'prom-client';
import type { FamilyType } from './internal-types.js';

/** One label set of a counter or gauge. */
interface ScalarSeries {
  readonly labels: Readonly<Record<string, string>>;
  value: number;
}

/** One label set of a histogram: count per bucket (own bucket, not cumulative). */
interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly bounds: ReadonlyArray<number>;
  counts: number[];
}

/** What prom-client's registry reads (`get()`), per its `MetricObjectWithValues`. */
interface RegistryValue {
  value: number;
  labels: Record<string, string>;
  metricName?: string;
}

/** A stable key for a label set. */
export function labelKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `le` as Prometheus writes bounds: shortest decimal, `+Inf`. */
function formatBound(bound: number): string {
  return bound === Infinity ? '+Inf' : String(bound);
}

/** A metric family: name, type, help and its series. */
export class Family {
  readonly name: string;
  readonly type: FamilyType;
  readonly help: string;
  readonly #scalars = new Map<string, ScalarSeries>();
  readonly #histograms = new Map<string, HistogramSeries>();

  constructor(name: string, type: FamilyType, help: string) {
    this.name = name;
    this.type = type;
    this.help = help;
  }

  get size(): number {
    return this.#scalars.size + this.#histograms.size;
  }

  has(key: string): boolean {
    return this.#scalars.has(key) || this.#histograms.has(key);
  }

  /** Set (or add to, with `accumulate`) a counter or gauge series. */
  setScalar(key: string, labels: Readonly<Record<string, string>>, value: number, accumulate: boolean): void {
    const series = this.#scalars.get(key);
    if (!series) this.#scalars.set(key, { labels, value });
    else series.value = accumulate ? series.value + value : value;
  }

  /** Set (or add to, with `accumulate`) a histogram series' bucket counts. */
  setHistogram(key: string, labels: Readonly<Record<string, string>>, bounds: ReadonlyArray<number>, counts: number[], accumulate: boolean): void {
    const series = this.#histograms.get(key);
    if (!series || series.bounds.length !== bounds.length) this.#histograms.set(key, { labels, bounds, counts });
    else series.counts = accumulate ? series.counts.map((c, i) => c + (counts[i] ?? 0)) : counts;
  }

  delete(key: string): void {
    this.#scalars.delete(key);
    this.#histograms.delete(key);
  }

  /** Values as prom-client renders them; counter names get `_total` unless `openMetrics` (prom-client adds it). */
  values(openMetrics: boolean): RegistryValue[] {
    const out: RegistryValue[] = [];
    if (this.type === 'histogram') {
      for (const series of this.#histograms.values()) {
        let cumulative = 0;
        series.bounds.forEach((bound, i) => {
          cumulative += series.counts[i] ?? 0;
          out.push({ metricName: `${this.name}_bucket`, labels: { ...series.labels, le: formatBound(bound) }, value: cumulative });
        });
        if (series.bounds[series.bounds.length - 1] !== Infinity) {
          out.push({ metricName: `${this.name}_bucket`, labels: { ...series.labels, le: '+Inf' }, value: cumulative });
        }
        out.push({ metricName: `${this.name}_count`, labels: { ...series.labels }, value: cumulative });
      }
      return out;
    }
    const suffix = this.type === 'counter' && !openMetrics ? '_total' : '';
    for (const series of this.#scalars.values()) {
      out.push({ ...(suffix ? { metricName: `${this.name}${suffix}` } : {}), labels: { ...series.labels }, value: series.value });
    }
    return out;
  }

  /**
   * The object a prom-client registry holds for this family. The registry
   * names counters by their `_total`-less name in OpenMetrics and adds the
   * suffix itself; in the text format the name carries it.
   */
  view(registry: Registry<RegistryContentType>): Metric {
    const family = this;
    const openMetrics = registry.contentType.startsWith('application/openmetrics-text');
    const name = family.type === 'counter' && !openMetrics ? `${family.name}_total` : family.name;
    const view = {
      get name() {
        return name;
      },
      // prom-client strips `_total` from counter names in OpenMetrics mode by assignment; ours is already bare.
      set name(_ignored: string) {},
      help: family.help,
      type: family.type,
      aggregator: 'sum',
      get: async () => ({ name, help: family.help, type: family.type, aggregator: 'sum', values: family.values(openMetrics) }),
      reset: () => undefined,
    };
    return view as unknown as Metric;
  }
}
