/**
 * A strict reader of plugins.d text: what the Netdata 1.37.1 agent would do
 * with each line a plugin prints, plus stricter rules of our own for things
 * the agent tolerates but that mean our output is wrong.
 *
 * The rules are those of docs/netdata-reference.md sections 4.1-4.3:
 * tokenising, the registered keywords, and which mistakes make the agent
 * kill the plugin (it is restarted later) or disable it (never restarted).
 */
import { StringDecoder } from 'node:string_decoder';

/**
 * What the agent does when it reads the line:
 * - `kill`: stops reading, kills the plugin, restarts it later;
 * - `disable`: the same, and never restarts it;
 * - `strict`: the agent accepts the line, but it breaks a rule we hold our
 *   own output to (the agent would store something other than we meant).
 */
export type ViolationConsequence = 'kill' | 'disable' | 'strict';

/** Which rule a line broke. */
export type ViolationCode =
  | 'line-too-long'
  | 'unterminated-line'
  | 'too-many-words'
  | 'unknown-keyword'
  | 'unexpected-keyword'
  | 'disable'
  | 'chart-without-id'
  | 'chart-bad-field'
  | 'chart-id-too-long'
  | 'chart-inside-block'
  | 'dimension-without-id'
  | 'dimension-without-chart'
  | 'dimension-bad-field'
  | 'begin-without-id'
  | 'begin-unknown-chart'
  | 'begin-microseconds'
  | 'begin-inside-block'
  | 'begin-obsolete-chart'
  | 'set-without-dimension'
  | 'set-without-chart'
  | 'set-outside-begin'
  | 'set-unknown-dimension'
  | 'set-bad-value'
  | 'end-without-chart'
  | 'end-without-begin'
  | 'clabel-malformed'
  | 'clabel-without-chart'
  | 'clabel-not-after-chart'
  | 'clabel-commit-without-chart'
  | 'clabel-commit-without-clabel'
  | 'variable-malformed'
  | 'variable-without-chart';

/** One line the agent would reject, or that breaks our stricter rules. */
export interface ProtocolViolation {
  /** 1-based line number in the stream. */
  readonly line: number;
  /** The line, without its newline (cut to 500 characters for very long lines). */
  readonly text: string;
  readonly code: ViolationCode;
  readonly consequence: ViolationConsequence;
  /** Why, in words. */
  readonly reason: string;
}

/** A dimension as the agent holds it after the DIMENSION lines read so far. */
export interface ParsedDimension {
  readonly id: string;
  /** Display name (the id when the line gave none). */
  readonly name: string;
  readonly algorithm: string;
  readonly multiplier: number;
  readonly divisor: number;
  readonly hidden: boolean;
  readonly obsolete: boolean;
  /** Line of its last DIMENSION. */
  readonly line: number;
}

/** A chart as the agent holds it after the CHART lines read so far. */
export interface ParsedChart {
  /** Full id `type.id`. */
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly title: string;
  readonly units: string;
  readonly family: string;
  readonly context: string;
  readonly chartType: string;
  readonly priority: number;
  readonly updateEvery: number;
  readonly plugin: string;
  readonly module: string;
  readonly obsolete: boolean;
  readonly dimensions: ReadonlyMap<string, ParsedDimension>;
  readonly labels: ReadonlyMap<string, { readonly value: string; readonly source: string }>;
  /** Line of its last CHART. */
  readonly line: number;
  /** How many CHART lines declared or re-declared it. */
  readonly declarations: number;
}

/** The values of one committed BEGIN...END block. */
export interface ParsedBlock {
  /** Full chart id. */
  readonly chart: string;
  /** Dimension id -> value as the agent parses it (`strtoll`). */
  readonly values: ReadonlyMap<string, bigint>;
  /** Microseconds its BEGIN said passed since the chart's previous block; absent: the agent measures. */
  readonly microseconds?: number;
  /** Line of its END. */
  readonly line: number;
}

/** Everything read from a stream. */
export interface ParsedStream {
  readonly charts: ReadonlyMap<string, ParsedChart>;
  /** Committed blocks (ENDs the agent counts as successful collections). */
  readonly blocks: number;
  readonly values: ReadonlyArray<ParsedBlock>;
  readonly errors: ReadonlyArray<ProtocolViolation>;
}

/** Options of {@link NetdataProtocolChecker}. */
export interface NetdataProtocolCheckerOptions {
  /** Keep every committed block in `values` (default true); turn off for long live runs. */
  keepValues?: boolean;
}

/** The agent reads lines with fgets() into this many bytes, terminator included. */
export const AGENT_LINE_MAX_BYTES = 15360;
/** The agent keeps at most this many words of a line. */
export const AGENT_MAX_WORDS = 20;
/** Longest `type.id` the 1.37 agent stores whole (200-byte buffer with its terminator). */
export const AGENT_CHART_ID_MAX_BYTES = 199;

const KEYWORDS_1_37: ReadonlySet<string> = new Set([
  'FLUSH',
  'CHART',
  'CHART_DEFINITION_END',
  'DIMENSION',
  'DISABLE',
  'VARIABLE',
  'LABEL',
  'OVERWRITE',
  'END',
  'CLABEL_COMMIT',
  'CLABEL',
  'BEGIN',
  'SET',
  'FUNCTION',
  'FUNCTION_RESULT_BEGIN',
  'RBEGIN',
  'RSET',
  'RDSTATE',
  'RSSTATE',
  'REND',
]);
/** Registered, but for functions and streaming replication: never from a metrics plugin like ours. */
const UNEXPECTED_KEYWORDS: ReadonlySet<string> = new Set([
  'FUNCTION',
  'FUNCTION_RESULT_BEGIN',
  'RBEGIN',
  'RSET',
  'RDSTATE',
  'RSSTATE',
  'REND',
]);
const ALGORITHMS: ReadonlySet<string> = new Set([
  'absolute',
  'incremental',
  'percentage-of-absolute-row',
  'percentage-of-incremental-row',
]);
const CHART_TYPES: ReadonlySet<string> = new Set(['line', 'area', 'stacked']);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DECIMAL_INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const MAX_QUOTED_LINE_CHARS = 500;

/**
 * Split one line into words the way the agent does: separators are
 * whitespace and `=`; a word starting with `'` or `"` runs to the same
 * quote (separators inside are literal); a backslash makes the next
 * character literal but stays in the word. All words are returned, even
 * past the agent's limit of {@link AGENT_MAX_WORDS}.
 */
export function tokenizeNetdataLine(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && isSeparator(line[i] as string)) i++;
    if (i >= line.length) break;
    let quote: string | undefined;
    if (line[i] === "'" || line[i] === '"') {
      quote = line[i];
      i++;
      // An opening quote at the very end of the line starts no word.
      if (i >= line.length) break;
    }
    let word = '';
    while (i < line.length) {
      const c = line[i] as string;
      if (c === '\\' && i + 1 < line.length) {
        word += c + (line[i + 1] as string);
        i += 2;
        continue;
      }
      if (quote !== undefined && c === quote) {
        i++;
        break;
      }
      if (quote === undefined && isSeparator(c)) break;
      word += c;
      i++;
    }
    words.push(word);
  }
  return words;
}

function isSeparator(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f' || c === '=';
}

/**
 * The value `strtoll(text, NULL, 0)` gives: optional sign, then hex (`0x`),
 * octal (leading `0`) or decimal digits; anything else stops the number,
 * no digits at all is 0, overflow saturates.
 */
export function agentIntegerValue(text: string): bigint {
  const match = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)?/.exec(text);
  const digits = match?.[2];
  if (!digits) return 0n;
  const magnitude = /^0[xX]/.test(digits) ? BigInt(digits) : digits.length > 1 && digits.startsWith('0') ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
  const value = match[1] === '-' ? -magnitude : magnitude;
  return value < INT64_MIN ? INT64_MIN : value > INT64_MAX ? INT64_MAX : value;
}

interface MutableDimension {
  id: string;
  name: string;
  algorithm: string;
  multiplier: number;
  divisor: number;
  hidden: boolean;
  obsolete: boolean;
  line: number;
}

interface MutableChart {
  id: string;
  type: string;
  name: string;
  title: string;
  units: string;
  family: string;
  context: string;
  chartType: string;
  priority: number;
  updateEvery: number;
  plugin: string;
  module: string;
  obsolete: boolean;
  dimensions: Map<string, MutableDimension>;
  labels: Map<string, { value: string; source: string }>;
  line: number;
  declarations: number;
  /** Committed blocks of this chart. */
  collections: number;
}

interface OpenBlock {
  chart: MutableChart;
  values: Map<string, bigint>;
  microseconds?: number;
}

/**
 * Incremental strict checker for a live plugin stdout: feed chunks as they
 * arrive, read the violations each chunk produced. After a `kill` or
 * `disable` violation the agent would have stopped reading; the checker
 * carries on so one run lists every problem.
 */
export class NetdataProtocolChecker {
  readonly #keepValues: boolean;
  readonly #decoder = new StringDecoder('utf8');
  readonly #charts = new Map<string, MutableChart>();
  readonly #values: ParsedBlock[] = [];
  readonly #violations: ProtocolViolation[] = [];
  #pending = '';
  #lineNumber = 0;
  #blocks = 0;
  /** The agent's "current chart" (set by CHART and BEGIN, cleared by END and FLUSH). */
  #current: MutableChart | undefined;
  #block: OpenBlock | undefined;
  #previousKeyword = '';
  #pendingLabels: Map<string, { value: string; source: string }> | undefined;
  #ended = false;

  constructor(options: NetdataProtocolCheckerOptions = {}) {
    this.#keepValues = options.keepValues ?? true;
  }

  /** Charts declared so far, by full id. */
  get charts(): ReadonlyMap<string, ParsedChart> {
    return this.#charts;
  }

  /** Committed blocks so far. */
  get blocks(): number {
    return this.#blocks;
  }

  /** Committed blocks' values (empty when `keepValues` is off). */
  get values(): ReadonlyArray<ParsedBlock> {
    return this.#values;
  }

  /** Every violation so far. */
  get violations(): ReadonlyArray<ProtocolViolation> {
    return this.#violations;
  }

  /**
   * Read more of the stream. Complete lines are checked now; a trailing
   * partial line waits for the next chunk or `end()`.
   *
   * @returns the violations found in this chunk.
   * @throws Error when called after `end()`.
   */
  feed(chunk: string | Uint8Array): ProtocolViolation[] {
    if (this.#ended) throw new Error('NetdataProtocolChecker: feed() after end()');
    const before = this.#violations.length;
    this.#pending += typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    let newline = this.#pending.indexOf('\n');
    while (newline >= 0) {
      const line = this.#pending.slice(0, newline);
      this.#pending = this.#pending.slice(newline + 1);
      this.#line(line, true);
      newline = this.#pending.indexOf('\n');
    }
    return this.#violations.slice(before);
  }

  /**
   * The stream ended: check a last line without newline (the agent still
   * reads it).
   *
   * @returns the violations found.
   */
  end(): ProtocolViolation[] {
    if (this.#ended) return [];
    this.#ended = true;
    const before = this.#violations.length;
    this.#pending += this.#decoder.end();
    if (this.#pending !== '') {
      const line = this.#pending;
      this.#pending = '';
      this.#line(line, false);
    }
    return this.#violations.slice(before);
  }

  /** Snapshot of what was read so far. */
  result(): ParsedStream {
    return { charts: this.#charts, blocks: this.#blocks, values: this.#values, errors: this.#violations };
  }

  #line(line: string, terminated: boolean): void {
    this.#lineNumber++;
    const violate = (code: ViolationCode, consequence: ViolationConsequence, reason: string): void => {
      this.#violations.push({
        line: this.#lineNumber,
        text: line.length > MAX_QUOTED_LINE_CHARS ? `${line.slice(0, MAX_QUOTED_LINE_CHARS)}...` : line,
        code,
        consequence,
        reason,
      });
    };

    // fgets() hands the agent at most AGENT_LINE_MAX_BYTES - 1 bytes, newline
    // included; the rest of a longer line arrives as a line of its own, whose
    // first word is then almost never a keyword.
    const bytes = Buffer.byteLength(line, 'utf8') + (terminated ? 1 : 0);
    if (bytes > AGENT_LINE_MAX_BYTES - 1) {
      violate('line-too-long', 'kill', `line is ${bytes} bytes; the agent reads at most ${AGENT_LINE_MAX_BYTES - 1} and parses the rest as another line`);
      return;
    }
    if (!terminated) violate('unterminated-line', 'strict', 'the stream ended in the middle of a line');

    const all = tokenizeNetdataLine(line);
    if (all.length === 0) return;
    if (all.length > AGENT_MAX_WORDS) {
      violate('too-many-words', 'strict', `line has ${all.length} words; the agent ignores all after the first ${AGENT_MAX_WORDS}`);
    }
    const words = all.slice(0, AGENT_MAX_WORDS);
    const keyword = words[0] as string;
    if (!KEYWORDS_1_37.has(keyword)) {
      violate('unknown-keyword', 'kill', `${JSON.stringify(keyword)} is not a keyword of the 1.37 agent`);
      this.#previousKeyword = keyword;
      return;
    }
    if (UNEXPECTED_KEYWORDS.has(keyword)) {
      violate('unexpected-keyword', 'strict', `${keyword} is for functions or streaming replication; a metrics plugin never sends it`);
    }

    switch (keyword) {
      case 'CHART':
        this.#chart(words, violate);
        break;
      case 'DIMENSION':
        this.#dimension(words, violate);
        break;
      case 'BEGIN':
        this.#begin(words, violate);
        break;
      case 'SET':
        this.#set(words, violate);
        break;
      case 'END':
        this.#end(violate);
        break;
      case 'FLUSH':
        this.#current = undefined;
        this.#block = undefined;
        break;
      case 'CLABEL':
        this.#clabel(words, violate);
        break;
      case 'CLABEL_COMMIT':
        this.#clabelCommit(violate);
        break;
      case 'VARIABLE':
        this.#variable(words, violate);
        break;
      case 'DISABLE':
        violate('disable', 'disable', 'DISABLE asks the agent to stop the plugin for good');
        break;
      default:
        // LABEL, OVERWRITE, CHART_DEFINITION_END and the unexpected ones: accepted as is.
        break;
    }
    this.#previousKeyword = keyword;
  }

  #chart(words: string[], violate: Violate): void {
    const fullId = words[1] ?? '';
    const dot = fullId.indexOf('.');
    const type = dot >= 0 ? fullId.slice(0, dot) : fullId;
    const id = dot >= 0 ? fullId.slice(dot + 1) : '';
    if (type === '' || id === '') {
      violate('chart-without-id', 'disable', 'CHART needs type.id with both parts');
      return;
    }
    if (this.#block) {
      violate('chart-inside-block', 'strict', `CHART inside the open block of ${this.#block.chart.id}; that block is never committed`);
      this.#block = undefined;
    }
    if (Buffer.byteLength(fullId, 'utf8') > AGENT_CHART_ID_MAX_BYTES) {
      violate(
        'chart-id-too-long',
        'strict',
        `chart id is longer than ${AGENT_CHART_ID_MAX_BYTES} bytes: the agent stores it truncated, so a BEGIN with the full id would disable the plugin`,
      );
    }

    const field = (index: number): string | undefined => words[index];
    const options = field(10) ?? '';
    const obsolete = options.includes('obsolete');
    if (!(words.length === 13 || (words.length === 11 && obsolete))) {
      violate('chart-bad-field', 'strict', `CHART has ${words.length - 1} fields; ebpf.plugin sends 12, or 10 ending in 'obsolete'`);
    }
    // Missing fields are already reported by the field count above.
    const chartType = field(7) ?? '';
    if (words.length > 7 && !CHART_TYPES.has(chartType)) {
      violate('chart-bad-field', 'strict', `chart type ${JSON.stringify(chartType)} is not line, area or stacked (the agent uses line)`);
    }
    const priorityText = field(8) ?? '';
    if (words.length > 8 && !DECIMAL_INTEGER.test(priorityText)) {
      violate('chart-bad-field', 'strict', `priority ${JSON.stringify(priorityText)} is not an integer`);
    }
    const updateEveryText = field(9) ?? '';
    if (words.length > 9 && (!DECIMAL_INTEGER.test(updateEveryText) || Number(updateEveryText) <= 0)) {
      violate('chart-bad-field', 'strict', `update_every ${JSON.stringify(updateEveryText)} is not a positive integer (the agent would use its own)`);
    }

    const existing = this.#charts.get(fullId);
    // On a re-declaration the agent keeps old texts when the new ones are empty.
    const keep = (value: string | undefined, old: string | undefined, fallback: string): string =>
      value !== undefined && value !== '' ? value : (old ?? fallback);
    const chart: MutableChart = {
      id: fullId,
      type,
      name: field(2) ?? '',
      title: keep(field(3), existing?.title, ''),
      units: keep(field(4), existing?.units, 'unknown'),
      family: keep(field(5), existing?.family, type),
      context: keep(field(6), existing?.context, fullId),
      chartType: CHART_TYPES.has(chartType) ? chartType : 'line',
      priority: priorityText === '' ? 1000 : Number.parseInt(priorityText, 10) || 0,
      updateEvery: Number.parseInt(updateEveryText, 10) || 0,
      plugin: keep(field(11), existing?.plugin, ''),
      module: keep(field(12), existing?.module, ''),
      obsolete,
      dimensions: existing?.dimensions ?? new Map(),
      labels: existing?.labels ?? new Map(),
      line: this.#lineNumber,
      declarations: (existing?.declarations ?? 0) + 1,
      collections: existing?.collections ?? 0,
    };
    this.#charts.set(fullId, chart);
    this.#current = chart;
    this.#pendingLabels = undefined;
  }

  #dimension(words: string[], violate: Violate): void {
    const id = words[1];
    if (id === undefined) {
      violate('dimension-without-id', 'disable', 'DIMENSION without an id');
      return;
    }
    const chart = this.#current;
    if (!chart) {
      violate('dimension-without-chart', 'disable', 'DIMENSION with no current chart (no CHART or BEGIN before it)');
      return;
    }
    if (id === '') violate('dimension-bad-field', 'strict', 'DIMENSION with an empty id: no SET can ever reach it');
    const algorithm = words[3] ?? '';
    if (!ALGORITHMS.has(algorithm)) {
      violate('dimension-bad-field', 'strict', `algorithm ${JSON.stringify(algorithm)} is not one of the four (the agent uses absolute)`);
    }
    const multiplier = factor(words[4]);
    const divisor = factor(words[5]);
    if (multiplier === undefined || divisor === undefined) {
      violate(
        'dimension-bad-field',
        'strict',
        `multiplier ${JSON.stringify(words[4] ?? '')} and divisor ${JSON.stringify(words[5] ?? '')} must both be non-zero decimal integers (the agent uses 1 otherwise)`,
      );
    }
    const options = words[6] ?? '';
    chart.dimensions.set(id, {
      id,
      name: words[2] !== undefined && words[2] !== '' ? words[2] : id,
      algorithm: ALGORITHMS.has(algorithm) ? algorithm : 'absolute',
      multiplier: multiplier ?? 1,
      divisor: divisor ?? 1,
      hidden: options.includes('hidden'),
      obsolete: options.includes('obsolete'),
      line: this.#lineNumber,
    });
  }

  #begin(words: string[], violate: Violate): void {
    const id = words[1];
    if (id === undefined || id === '') {
      violate('begin-without-id', 'disable', 'BEGIN without a chart id');
      return;
    }
    const chart = this.#charts.get(id);
    if (!chart) {
      violate('begin-unknown-chart', 'disable', `BEGIN for chart ${id}, which was never declared`);
      return;
    }
    let microseconds: number | undefined;
    if (words[2] !== undefined && words[2] !== '') {
      // The agent reads it with str2ull and uses it only when > 0, and only
      // from a chart's second collection on.
      if (!/^[1-9][0-9]*$/.test(words[2]) || !Number.isSafeInteger(Number(words[2]))) {
        violate('begin-microseconds', 'strict', `BEGIN microseconds ${JSON.stringify(words[2])} is not a positive integer`);
      } else if (chart.collections === 0) {
        violate('begin-microseconds', 'strict', `BEGIN microseconds on the first block of chart ${id}, where the agent ignores them`);
      } else {
        microseconds = Number(words[2]);
      }
    }
    if (this.#block) {
      violate('begin-inside-block', 'strict', `BEGIN while the block of ${this.#block.chart.id} is open; that block is never committed`);
    }
    if (chart.obsolete) violate('begin-obsolete-chart', 'strict', `BEGIN for chart ${id}, which was marked obsolete and not declared again`);
    this.#current = chart;
    this.#block = { chart, values: new Map(), ...(microseconds !== undefined ? { microseconds } : {}) };
  }

  #set(words: string[], violate: Violate): void {
    const dimension = words[1];
    if (dimension === undefined || dimension === '') {
      violate('set-without-dimension', 'disable', 'SET without a dimension id');
      return;
    }
    const chart = this.#current;
    if (!chart) {
      violate('set-without-chart', 'disable', `SET ${dimension} with no current chart (no BEGIN)`);
      return;
    }
    const value = words[2];
    const known = chart.dimensions.has(dimension);
    if (value === undefined || value === '') {
      // The agent leaves the dimension uncollected and never looks it up.
      if (!known) violate('set-unknown-dimension', 'strict', `SET for undeclared dimension ${dimension} of ${chart.id} (empty value, so the agent ignores it)`);
      return;
    }
    if (!known) {
      violate('set-unknown-dimension', 'disable', `SET for dimension ${dimension}, which chart ${chart.id} does not have`);
      return;
    }
    if (!this.#block) {
      violate('set-outside-begin', 'strict', `SET after CHART ${chart.id} without BEGIN`);
      this.#block = { chart, values: new Map() };
    }
    if (!DECIMAL_INTEGER.test(value) || BigInt(value) < INT64_MIN || BigInt(value) > INT64_MAX) {
      violate('set-bad-value', 'strict', `value ${JSON.stringify(value)} is not a decimal signed 64-bit integer (the agent stores ${agentIntegerValue(value)})`);
    }
    this.#block.values.set(dimension, agentIntegerValue(value));
  }

  #end(violate: Violate): void {
    const chart = this.#current;
    if (!chart) {
      violate('end-without-chart', 'disable', 'END with no current chart (no BEGIN)');
      return;
    }
    // A block opened by a SET without BEGIN was reported at that SET.
    if (!this.#block) violate('end-without-begin', 'strict', `END after CHART ${chart.id} without BEGIN`);
    const block = this.#block ?? { chart, values: new Map<string, bigint>() };
    this.#blocks++;
    chart.collections++;
    if (this.#keepValues) {
      const microseconds = this.#block?.microseconds;
      this.#values.push({ chart: chart.id, values: block.values, ...(microseconds !== undefined ? { microseconds } : {}), line: this.#lineNumber });
    }
    this.#current = undefined;
    this.#block = undefined;
  }

  #clabel(words: string[], violate: Violate): void {
    const [, name, value, source] = words;
    if (name === undefined || value === undefined || source === undefined || source === '') {
      violate('clabel-malformed', 'disable', 'CLABEL needs a name, a value and a source');
      return;
    }
    const chart = this.#current;
    if (!chart) {
      violate('clabel-without-chart', 'disable', 'CLABEL with no current chart (the 1.37 agent dereferences it unchecked)');
      return;
    }
    if (this.#previousKeyword !== 'CHART' && this.#previousKeyword !== 'CLABEL') {
      violate('clabel-not-after-chart', 'strict', `CLABEL after ${this.#previousKeyword || 'nothing'}; send labels right after CHART`);
    }
    if (!DECIMAL_INTEGER.test(source)) violate('clabel-malformed', 'strict', `label source ${JSON.stringify(source)} is not a number`);
    this.#pendingLabels ??= new Map();
    this.#pendingLabels.set(name, { value, source });
  }

  #clabelCommit(violate: Violate): void {
    const chart = this.#current;
    if (!chart) {
      violate('clabel-commit-without-chart', 'disable', 'CLABEL_COMMIT with no current chart');
      return;
    }
    if (!this.#pendingLabels) {
      violate('clabel-commit-without-clabel', 'disable', 'CLABEL_COMMIT without any CLABEL before it');
      return;
    }
    // The commit replaces the chart's labels with the ones just sent.
    chart.labels = this.#pendingLabels;
    this.#pendingLabels = undefined;
  }

  #variable(words: string[], violate: Violate): void {
    let [, name] = words;
    let chartScope = this.#current !== undefined;
    if (name === 'GLOBAL' || name === 'HOST') {
      chartScope = false;
      name = words[2];
    } else if (name === 'LOCAL' || name === 'CHART') {
      chartScope = true;
      name = words[2];
    }
    if (name === undefined || name === '') {
      violate('variable-malformed', 'disable', 'VARIABLE without a name');
      return;
    }
    if (chartScope && !this.#current) violate('variable-without-chart', 'disable', 'chart VARIABLE with no current chart');
  }
}

type Violate = (code: ViolationCode, consequence: ViolationConsequence, reason: string) => void;

/** A multiplier or divisor as ebpf.plugin writes them, or undefined. */
function factor(text: string | undefined): number | undefined {
  if (text === undefined || !DECIMAL_INTEGER.test(text) || Number(text) === 0) return undefined;
  return Number(text);
}

/**
 * Read a whole plugins.d transcript strictly.
 *
 * @returns charts as the agent would hold them, committed blocks, and every violation.
 */
export function parseNetdataStream(text: string | Uint8Array, options?: NetdataProtocolCheckerOptions): ParsedStream {
  const checker = new NetdataProtocolChecker(options);
  checker.feed(text);
  checker.end();
  return checker.result();
}
