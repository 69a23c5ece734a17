/**
 * Chart model -> plugins.d text, as the Netdata 1.37 agent accepts it.
 *
 * Pure: no I/O. The serializer remembers what it declared so a tick only
 * re-sends CHART/DIMENSION lines when a definition changed, and so it never
 * sends a BEGIN or SET the agent would answer by disabling the plugin.
 */
import {
  chartKey,
  isPerIntervalAmount,
  type ChartDefinition,
  type ChartType,
  type DimensionAlgorithm,
  type DimensionDefinition,
  type OutputFrame,
} from '@ebpf-collectors/core';
import type {
  SerializeResult,
  SerializerDiagnostic,
  SerializerDiagnosticKind,
  SerializerOptions,
} from './types.js';
import { idWord, quotedWord, utf8Length, type RenderedWord } from './words.js';

/**
 * Longest `type.id` the 1.37 agent keeps whole: it copies the id into a
 * 200-byte buffer (RRD_ID_LENGTH_MAX) terminator included, so a longer id
 * would be stored truncated and every later BEGIN with the full id would hit
 * "chart does not exist" and disable the plugin.
 */
export const MAX_CHART_ID_BYTES = 199;
/** Bytes the agent reads per line (PLUGINSD_LINE_MAX), newline and terminator included. */
export const MAX_LINE_BYTES = 15360;

// Per-field budgets chosen so that even a CHART line with every field at its
// limit stays well below MAX_LINE_BYTES; real values are far shorter.
const MAX_DIMENSION_ID_BYTES = 1000;
const MAX_TITLE_BYTES = 2000;
const MAX_SHORT_FIELD_BYTES = 400;
const MAX_LABEL_BYTES = 1000;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const ALGORITHMS: ReadonlySet<string> = new Set<DimensionAlgorithm>([
  'absolute',
  'incremental',
  'percentage-of-absolute-row',
  'percentage-of-incremental-row',
]);
const CHART_TYPES: ReadonlySet<string> = new Set<ChartType>(['line', 'area', 'stacked']);
/** Label source `1` = automatic, the one plugins use for labels they compute. */
const LABEL_SOURCE_AUTO = '1';

/** A dimension as declared to the agent. */
interface DeclaredDimension {
  readonly id: string;
  readonly line: string;
  /** The DIMENSION line with `obsolete` options, for when it disappears. */
  readonly obsoleteLine: string;
  /** Id word as it appears on SET lines. */
  readonly word: string;
}

/** A chart as declared to the agent. */
interface DeclaredChart {
  readonly key: string;
  /** Id word as it appears on BEGIN lines. */
  readonly word: string;
  readonly chartLine: string;
  readonly obsoleteLine: string;
  readonly labelLines: ReadonlyArray<string>;
  /** By model dimension id. */
  readonly dimensions: ReadonlyMap<string, DeclaredDimension>;
  /** Everything the agent was told, to detect a changed definition. */
  readonly signature: string;
  /** {@link fingerprint} of the definition it was rendered from. */
  readonly fingerprint: string;
}

/**
 * Serializes output frames to the plugins.d protocol of the Netdata 1.37
 * agent (what Debian bookworm ships), the way ebpf.plugin speaks it.
 *
 * One instance per output stream: it remembers which charts the agent knows.
 */
export class NetdataSerializer {
  readonly plugin: string;
  readonly #onDiagnostic: ((diagnostic: SerializerDiagnostic) => void) | undefined;
  readonly #declared = new Map<string, DeclaredChart>();
  /** Monotonic time (ms) of each declared chart's last block. */
  readonly #lastBlockMs = new Map<string, number>();

  constructor(options: SerializerOptions = {}) {
    this.plugin = options.plugin ?? 'ebpf.plugin';
    this.#onDiagnostic = options.onDiagnostic;
  }

  /**
   * Text for one tick: declarations of new or changed charts, one
   * BEGIN/SET/END block per chart with values, then obsolete lines for the
   * frame's `obsolete` charts. Diagnostics go to `onDiagnostic`.
   *
   * @returns newline-terminated protocol text, or `''` when there is nothing to send.
   */
  serialize(frame: OutputFrame): string {
    return this.#report(this.render(frame));
  }

  /** Like {@link serialize}, returning the diagnostics instead of calling `onDiagnostic`. */
  render(frame: OutputFrame): SerializeResult {
    const lines: string[] = [];
    const diagnostics: SerializerDiagnostic[] = [];
    const seen = new Set<string>();
    const obsolete: Array<{ key: string; collector: string }> = [];

    for (const { collector, frame: collected } of frame.frames) {
      const note = noter(diagnostics, collector);
      for (const { chart, values } of collected.charts) {
        const key = chartKey(chart);
        if (seen.has(key)) {
          note('duplicate-chart', key, `chart ${key} appears twice in one tick; the second copy is dropped`);
          continue;
        }
        seen.add(key);
        const declared = this.#declare(chart, note, lines);
        if (declared) lines.push(...blockLines(declared, chart, values, this.#interval(key, frame.timeMs), note));
      }
      for (const key of collected.obsolete ?? []) obsolete.push({ key, collector });
    }
    // Obsolete lines come last so a chart listed both with values and as
    // obsolete in the same tick ends up obsolete, which is what "gone" means.
    for (const { key, collector } of obsolete) this.#obsoleteLine(key, noter(diagnostics, collector), lines);

    return { text: joinLines(lines), diagnostics };
  }

  /**
   * Obsolete lines for charts (a collector stopped): the agent hides them at
   * once. They are forgotten, so a later frame declares them again.
   *
   * @param charts - definitions or full ids `type.id`.
   * @returns newline-terminated protocol text, or `''` for charts never declared.
   */
  obsolete(charts: ReadonlyArray<ChartDefinition | string>): string {
    const lines: string[] = [];
    const diagnostics: SerializerDiagnostic[] = [];
    const note = noter(diagnostics, undefined);
    for (const chart of charts) {
      this.#obsoleteLine(typeof chart === 'string' ? chart : chartKey(chart), note, lines);
    }
    return this.#report({ text: joinLines(lines), diagnostics });
  }

  /** Full ids of the charts the agent currently knows from us (not obsolete). */
  declaredCharts(): string[] {
    return [...this.#declared.keys()];
  }

  /** Forget everything declared, so the next frame declares every chart again (a new reader knows nothing). */
  reset(): void {
    this.#declared.clear();
    this.#lastBlockMs.clear();
  }

  /**
   * Microseconds since the chart's previous block, or undefined for its
   * first block (the agent ignores the field then) or a clock that did not move.
   */
  #interval(key: string, timeMs: number): number | undefined {
    const last = this.#lastBlockMs.get(key);
    this.#lastBlockMs.set(key, timeMs);
    if (last === undefined) return undefined;
    const microseconds = Math.round((timeMs - last) * 1000);
    return microseconds > 0 && Number.isSafeInteger(microseconds) ? microseconds : undefined;
  }

  #report(result: SerializeResult): string {
    if (this.#onDiagnostic) for (const diagnostic of result.diagnostics) this.#onDiagnostic(diagnostic);
    return result.text;
  }

  /** Emits CHART/DIMENSION/CLABEL lines when needed; undefined when the chart cannot be sent. */
  #declare(chart: ChartDefinition, note: Note, lines: string[]): DeclaredChart | undefined {
    // Notes about the definition itself are only worth reporting when it is
    // (re)sent or refused, not on every tick it is merely reused.
    // Most ticks repeat last tick's definitions: compare raw fields before rendering anything.
    const print = fingerprint(chart);
    const known = this.#declared.get(chartKey(chart));
    if (known?.fingerprint === print) return known;
    const notes: Array<Parameters<Note>> = [];
    const next = declaration(chart, this.plugin, print, (...args) => notes.push(args));
    const previous = next ? this.#declared.get(next.key) : undefined;
    if (next && previous?.signature === next.signature) {
      this.#declared.set(next.key, next);
      return next;
    }
    for (const args of notes) note(...args);
    if (!next) return undefined;

    lines.push(next.chartLine, ...next.labelLines);
    for (const dimension of next.dimensions.values()) lines.push(dimension.line);
    // A dimension that left the definition still exists in the agent; mark
    // it obsolete so dashboards stop showing an ever-empty line.
    if (previous) {
      const current = new Set([...next.dimensions.values()].map((d) => d.word));
      for (const dimension of previous.dimensions.values()) {
        if (!current.has(dimension.word)) lines.push(dimension.obsoleteLine);
      }
    }
    this.#declared.set(next.key, next);
    return next;
  }

  #obsoleteLine(key: string, note: Note, lines: string[]): void {
    const declared = this.#declared.get(key);
    if (!declared) {
      note('unknown-obsolete', key, `chart ${key} was never declared; no obsolete line sent`);
      return;
    }
    lines.push(declared.obsoleteLine);
    this.#declared.delete(key);
    this.#lastBlockMs.delete(key);
  }
}

type Note = (kind: SerializerDiagnosticKind, chart: string, message: string, dimension?: string) => void;

function noter(into: SerializerDiagnostic[], collector: string | undefined): Note {
  return (kind, chart, message, dimension) => {
    into.push({
      kind,
      chart,
      message,
      ...(dimension !== undefined ? { dimension } : {}),
      ...(collector !== undefined ? { collector } : {}),
    });
  };
}

function joinLines(lines: ReadonlyArray<string>): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Renders a chart's declaration, or reports why it cannot be declared. */
/**
 * Every field of a definition that shapes what is declared, joined raw (no
 * quoting or checks): equal fingerprints render to the same declaration, so
 * an unchanged chart costs one string per tick instead of a rendering.
 */
function fingerprint(chart: ChartDefinition): string {
  const parts: unknown[] = [chart.type, chart.id, chart.title, chart.units, chart.family, chart.context, chart.chartType, chart.priority, chart.updateEvery, chart.module];
  if (chart.labels) for (const [name, value] of Object.entries(chart.labels)) parts.push(name, value);
  parts.push(chart.dimensions.length);
  for (const d of chart.dimensions) parts.push(d.id, d.name, d.algorithm, d.multiplier, d.divisor, d.hidden);
  return parts.join('\u0001');
}

function declaration(chart: ChartDefinition, plugin: string, print: string, note: Note): DeclaredChart | undefined {
  const key = chartKey(chart);
  if (chart.type === '' || chart.id === '') {
    note('invalid-chart', key, `chart ${key} has an empty type or id; the agent needs both`);
    return undefined;
  }
  const id = idWord(key, MAX_CHART_ID_BYTES);
  if (utf8Length(key) > MAX_CHART_ID_BYTES || id.text !== key) {
    note(
      'invalid-chart',
      key,
      utf8Length(key) > MAX_CHART_ID_BYTES
        ? `chart id ${key} is longer than ${MAX_CHART_ID_BYTES} bytes; the agent would truncate it`
        : `chart id ${JSON.stringify(key)} has characters that cannot be sent`,
    );
    return undefined;
  }

  const field = (name: string, value: string, maxBytes: number): string => {
    const rendered = quotedWord(value, maxBytes);
    adjusted(rendered, note, key, `${name} of chart ${key}`);
    return rendered.word;
  };
  const chartType = CHART_TYPES.has(chart.chartType) ? chart.chartType : 'line';
  if (chartType !== chart.chartType) {
    note('field-adjusted', key, `chart ${key} has chart type ${JSON.stringify(chart.chartType)}; sent as line`);
  }
  const priority = integerField(chart.priority, 1000, false);
  if (priority !== chart.priority) {
    note('field-adjusted', key, `chart ${key} priority ${chart.priority} is not an integer; sent as ${priority}`);
  }
  const updateEvery = integerField(chart.updateEvery, 1, true);
  if (updateEvery !== chart.updateEvery) {
    note('field-adjusted', key, `chart ${key} update every ${chart.updateEvery} is not a positive integer; sent as ${updateEvery}`);
  }

  const common = [
    'CHART',
    id.word,
    "''",
    field('title', chart.title, MAX_TITLE_BYTES),
    field('units', chart.units, MAX_SHORT_FIELD_BYTES),
    field('family', chart.family, MAX_SHORT_FIELD_BYTES),
    field('context', chart.context, MAX_SHORT_FIELD_BYTES),
    `'${chartType}'`,
    String(priority),
    String(updateEvery),
  ];
  const chartLine = [...common, "''", field('plugin', plugin, MAX_SHORT_FIELD_BYTES), field('module', chart.module, MAX_SHORT_FIELD_BYTES)].join(' ');
  const obsoleteLine = [...common, "'obsolete'"].join(' ');

  const labelLines = Object.entries(chart.labels ?? {}).map(([name, value]) =>
    ['CLABEL', field(`label name ${name}`, name, MAX_LABEL_BYTES), field(`label ${name}`, value, MAX_LABEL_BYTES), LABEL_SOURCE_AUTO].join(' '),
  );
  if (labelLines.length > 0) labelLines.push('CLABEL_COMMIT');

  const dimensions = new Map<string, DeclaredDimension>();
  const words = new Set<string>();
  for (const dimension of chart.dimensions) {
    const declared = dimensionDeclaration(dimension, key, note);
    if (!declared) continue;
    if (dimensions.has(dimension.id) || words.has(declared.word)) {
      note('duplicate-dimension', key, `chart ${key} declares dimension ${dimension.id} twice; the second is dropped`, dimension.id);
      continue;
    }
    dimensions.set(dimension.id, declared);
    words.add(declared.word);
  }

  const signature = [chartLine, ...labelLines, ...[...dimensions.values()].map((d) => d.line)].join('\n');
  return { key, word: id.word, chartLine, obsoleteLine, labelLines, dimensions, signature, fingerprint: print };
}

function dimensionDeclaration(dimension: DimensionDefinition, chart: string, note: Note): DeclaredDimension | undefined {
  if (dimension.id === '' || utf8Length(dimension.id) > MAX_DIMENSION_ID_BYTES) {
    note(
      'invalid-dimension',
      chart,
      dimension.id === ''
        ? `chart ${chart} has a dimension with an empty id; SET needs one`
        : `dimension id of chart ${chart} is longer than ${MAX_DIMENSION_ID_BYTES} bytes`,
      dimension.id,
    );
    return undefined;
  }
  const id = idWord(dimension.id, MAX_DIMENSION_ID_BYTES);
  adjusted(id, note, chart, `dimension id ${dimension.id} of chart ${chart}`, dimension.id);
  let name: RenderedWord = { word: "''", text: '', altered: false };
  if (dimension.name !== undefined && dimension.name !== '') {
    name = idWord(dimension.name, MAX_DIMENSION_ID_BYTES);
    adjusted(name, note, chart, `dimension name ${dimension.name} of chart ${chart}`, dimension.id);
  }
  let algorithm: string = dimension.algorithm;
  if (!ALGORITHMS.has(algorithm)) {
    note('field-adjusted', chart, `dimension ${dimension.id} of chart ${chart} has algorithm ${JSON.stringify(algorithm)}; sent as absolute`, dimension.id);
    algorithm = 'absolute';
  }
  const multiplier = factor(dimension.multiplier, 'multiplier', dimension.id, chart, note);
  const divisor = factor(dimension.divisor, 'divisor', dimension.id, chart, note);
  const base = ['DIMENSION', id.word, name.word, algorithm, String(multiplier), String(divisor)];
  return {
    id: dimension.id,
    word: id.word,
    line: (dimension.hidden ? [...base, "'hidden'"] : base).join(' '),
    obsoleteLine: [...base, dimension.hidden ? "'obsolete hidden'" : "'obsolete'"].join(' '),
  };
}

/** Multiplier/divisor: the agent parses them with strtol and turns 0 into 1. */
function factor(value: number | undefined, what: string, dimension: string, chart: string, note: Note): number {
  if (value === undefined) return 1;
  if (Number.isSafeInteger(value) && value !== 0) return value;
  note('field-adjusted', chart, `dimension ${dimension} of chart ${chart} has ${what} ${value}; sent as 1`, dimension);
  return 1;
}

function integerField(value: number, fallback: number, positive: boolean): number {
  if (!Number.isFinite(value)) return fallback;
  const integer = Math.trunc(value);
  if (positive && integer < 1) return fallback;
  // The agent reads these with str2i into a C int.
  return Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, integer));
}

function adjusted(rendered: RenderedWord, note: Note, chart: string, what: string, dimension?: string): void {
  if (rendered.altered) {
    note('field-adjusted', chart, `${what} changed to ${JSON.stringify(rendered.text)} to fit the protocol`, dimension);
  }
}

/**
 * An interval more than this fraction of the chart's `update every` off (a
 * stopped plugin or a stalled machine; the short interval after the first
 * collection, which comes at once rather than on the schedule) has its
 * per-interval amounts scaled to one `update every`; closer ones are timer
 * jitter and sent exact.
 */
const OFF_INTERVAL_FRACTION = 0.5;

/**
 * BEGIN (with the microseconds since the chart's previous block, so the
 * agent divides `incremental` values by the real elapsed time), one SET per
 * declared dimension with a value (definition order), END.
 *
 * `absolute` values of a per-second chart are amounts of one interval, which
 * the agent stores as they are: after an interval far from `update every`
 * they are scaled to one, so a stopped plugin does not draw ten seconds of
 * events as one second's rate.
 */
function blockLines(
  chart: DeclaredChart,
  definition: ChartDefinition,
  values: ReadonlyMap<string, bigint>,
  microseconds: number | undefined,
  note: Note,
): string[] {
  const lines = [microseconds === undefined ? `BEGIN ${chart.word}` : `BEGIN ${chart.word} ${microseconds}`];
  const nominal = definition.updateEvery * 1_000_000;
  const off =
    microseconds !== undefined && Number.isFinite(nominal) && nominal > 0 && Math.abs(microseconds - nominal) > nominal * OFF_INTERVAL_FRACTION;
  const emitted = new Set<string>();
  for (const dimensionDefinition of definition.dimensions) {
    const dimension = chart.dimensions.get(dimensionDefinition.id);
    if (!dimension || emitted.has(dimensionDefinition.id) || !values.has(dimensionDefinition.id)) continue;
    emitted.add(dimensionDefinition.id);
    let raw = values.get(dimensionDefinition.id);
    if (off && typeof raw === 'bigint' && isPerIntervalAmount(definition, dimensionDefinition)) {
      raw = scaled(raw, BigInt(nominal), BigInt(microseconds));
    }
    const value = integerValue(raw, chart.key, dimensionDefinition.id, note);
    if (value !== undefined) lines.push(`SET ${dimension.word} = ${value}`);
  }
  for (const id of values.keys()) {
    if (!chart.dimensions.has(id)) {
      note('undeclared-dimension', chart.key, `chart ${chart.key} has a value for undeclared dimension ${id}; dropped`, id);
    }
  }
  lines.push('END');
  return lines;
}

/** `value * numerator / denominator`, rounded half away from zero. */
function scaled(value: bigint, numerator: bigint, denominator: bigint): bigint {
  const negative = value < 0n;
  const magnitude = (2n * (negative ? -value : value) * numerator + denominator) / (2n * denominator);
  return negative ? -magnitude : magnitude;
}

/** The SET value text (`%lld`), or undefined when the value cannot be sent. */
function integerValue(value: unknown, chart: string, dimension: string, note: Note): string | undefined {
  // The model says bigint; plain-JS callers may still hand over numbers.
  let integer: bigint;
  if (typeof value === 'bigint') integer = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) integer = BigInt(value);
  else {
    note('invalid-value', chart, `dimension ${dimension} of chart ${chart} has non-integer value ${String(value)}; dropped`, dimension);
    return undefined;
  }
  if (integer < INT64_MIN || integer > INT64_MAX) {
    const clamped = integer < INT64_MIN ? INT64_MIN : INT64_MAX;
    note('value-clamped', chart, `dimension ${dimension} of chart ${chart} value ${integer} is outside int64; sent as ${clamped}`, dimension);
    integer = clamped;
  }
  return integer.toString();
}
