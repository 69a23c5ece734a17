/**
 * Pure text layout of the terminal view: state in, lines out. Nothing here
 * writes anywhere or reads the clock.
 */
import type { ChartDefinition, DimensionDefinition, OutputFrame } from '@ebpf-collectors/core';
import { applyFrame, type ChartView, type TerminalState } from './state.js';
import type { RenderOptions } from './types.js';

const DEFAULT_TOP_N = 8;
const DEFAULT_MAX_DIMENSIONS = 24;
/** Names longer than this are cut so a chart with one long name still packs several columns. */
const MAX_NAME_WIDTH = 20;
/** Wide enough for every formatValue() result ("-999.5", "-12.3M"). */
const VALUE_WIDTH = 7;
const CELL_GAP = '   ';
const INDENT = '  ';
const ELLIPSIS = '…';
/** Chart types whose dimensions are one per app group or service: many, and only the big ones matter. */
const PER_GROUP_TYPES: ReadonlySet<string> = new Set(['apps', 'services']);

/**
 * Apply `frame` to `state`, then lay out the whole view for a terminal
 * `width` columns wide. Mutates `state` (it keeps the previous values that
 * rates need).
 *
 * @returns the view as lines joined by `\n`, none wider than `width`.
 */
export function renderFrame(state: TerminalState, frame: OutputFrame, width: number, options: RenderOptions = {}): string {
  applyFrame(state, frame);
  return renderScreen(state, width, options);
}

/**
 * Lay out the current state (e.g. again after a resize): a header, then one
 * block per chart in Netdata's dashboard order (priority, then id).
 *
 * @returns lines joined by `\n`, none wider than `width` characters.
 */
export function renderScreen(state: TerminalState, width: number, options: RenderOptions = {}): string {
  const columns = Math.max(20, Math.floor(width));
  const views = [...state.charts.values()].sort(
    (a, b) => a.definition.priority - b.definition.priority || key(a.definition).localeCompare(key(b.definition)),
  );
  const header = headerLines(state, views, options).map((line) => fit(line, columns));
  const blocks = views.map((view) => chartLines(view, columns, options));

  const budget = options.height === undefined ? Infinity : Math.max(1, Math.floor(options.height) - 1);
  const lines = [...header];
  let shown = 0;
  for (const block of blocks) {
    const reserve = shown + 1 < blocks.length ? 1 : 0;
    if (lines.length + block.length + reserve > budget) break;
    lines.push(...block);
    shown++;
  }
  if (shown < blocks.length) {
    lines.push(fit(`${ELLIPSIS} ${blocks.length - shown} more charts not shown (make the terminal taller)`, columns));
  }
  return lines.slice(0, budget).join('\n');
}

/**
 * A value in at most {@link VALUE_WIDTH} characters: up to two decimals
 * below 10, one below 100, none below 1000, then SI prefixes (k, M, G...).
 * Empty for an unknown value.
 */
export function formatValue(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '';
  const magnitude = Math.abs(value);
  if (magnitude < 1000) {
    const decimals = magnitude < 10 ? 2 : magnitude < 100 ? 1 : 0;
    const rounded = Number(value.toFixed(decimals));
    // Rounding can reach the next range (999.6 -> 1000), and -0 prints as "0".
    if (Math.abs(rounded) < 1000) return String(rounded === 0 ? 0 : rounded);
  }
  const prefixes = ['k', 'M', 'G', 'T', 'P', 'E'];
  let scaled = value / 1000;
  let index = 0;
  while (Math.abs(scaled) >= 999.5 && index < prefixes.length - 1) {
    scaled /= 1000;
    index++;
  }
  const digits = Math.abs(scaled) < 10 ? 2 : Math.abs(scaled) < 100 ? 1 : 0;
  return `${Number(scaled.toFixed(digits))}${prefixes[index] as string}`;
}

/** Cut a line to `width` characters, marking the cut. */
export function fit(line: string, width: number): string {
  const chars = [...line];
  if (chars.length <= width) return line;
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}${ELLIPSIS}`;
}

function key(chart: Pick<ChartDefinition, 'type' | 'id'>): string {
  return `${chart.type}.${chart.id}`;
}

function headerLines(state: TerminalState, views: ReadonlyArray<ChartView>, options: RenderOptions): string[] {
  const parts = [options.title ?? 'ebpf.plugin'];
  if (options.wallClockMs !== undefined) parts.push(clockText(options.wallClockMs));
  parts.push(`${views.length} chart${views.length === 1 ? '' : 's'}`);
  const intervals = [...new Set(views.map((v) => v.definition.updateEvery))].sort((a, b) => a - b);
  if (intervals.length > 0) parts.push(`every ${intervals.map((s) => `${s}s`).join('/')}`);

  const perCollector = new Map<string, number>();
  for (const view of views) perCollector.set(view.collector, (perCollector.get(view.collector) ?? 0) + 1);
  const collectors = [...perCollector].map(([name, count]) => `${name} (${count})`).join(', ');
  const lines = [parts.join('  ·  '), `collectors: ${collectors || 'none yet'}`];
  if (state.lastFrameMs === undefined) lines.push('waiting for the first values...');
  lines.push('');
  return lines;
}

function clockText(epochMs: number): string {
  const date = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** Header line of a chart, then its dimensions packed in columns. */
function chartLines(view: ChartView, width: number, options: RenderOptions): string[] {
  const chart = view.definition;
  // Netdata titles carry HTML (<code>fsync(2)</code>) meant for the dashboard.
  const title = chart.title.replace(/<[^>]*>/g, '');
  const lines = [fit(`${key(chart)}  ${title} (${chart.units})`, width)];

  const { shown, hidden, ranked } = pickDimensions(view, options);
  if (shown.length === 0) {
    lines.push(fit(`${INDENT}(no dimensions)`, width));
    return lines;
  }
  const names = shown.map((d) => fit(displayName(d), MAX_NAME_WIDTH));
  const nameWidth = Math.max(...names.map((n) => [...n].length));
  const cells = shown.map((d, i) => `${padEnd(names[i] as string, nameWidth)} ${formatValue(view.display.get(d.id)).padStart(VALUE_WIDTH)}`);
  const cellWidth = nameWidth + 1 + VALUE_WIDTH;
  const perRow = Math.max(1, Math.floor((width - INDENT.length + CELL_GAP.length) / (cellWidth + CELL_GAP.length)));
  for (let i = 0; i < cells.length; i += perRow) {
    lines.push(fit(`${INDENT}${cells.slice(i, i + perRow).join(CELL_GAP)}`.trimEnd(), width));
  }
  if (hidden > 0) {
    const what = ranked ? `top ${shown.length} of ${shown.length + hidden} shown` : `${shown.length} of ${shown.length + hidden} shown`;
    lines.push(fit(`${INDENT}${ELLIPSIS} +${hidden} more (${what})`, width));
  }
  return lines;
}

/** Which dimensions fit: the biggest values for per-group charts, the first ones otherwise. */
function pickDimensions(view: ChartView, options: RenderOptions): { shown: DimensionDefinition[]; hidden: number; ranked: boolean } {
  const visible = view.definition.dimensions.filter((d) => !d.hidden);
  const ranked = PER_GROUP_TYPES.has(view.definition.type);
  const limit = Math.max(1, ranked ? (options.topN ?? DEFAULT_TOP_N) : (options.maxDimensions ?? DEFAULT_MAX_DIMENSIONS));
  if (visible.length <= limit) return { shown: visible, hidden: 0, ranked: false };
  const ordered = ranked
    ? [...visible].sort((a, b) => magnitude(view.display.get(b.id)) - magnitude(view.display.get(a.id)))
    : visible;
  return { shown: ordered.slice(0, limit), hidden: visible.length - limit, ranked };
}

/** Unknown values rank below every known one. */
function magnitude(value: number | undefined): number {
  return value === undefined || !Number.isFinite(value) ? -1 : Math.abs(value);
}

function displayName(dimension: DimensionDefinition): string {
  return dimension.name !== undefined && dimension.name !== '' ? dimension.name : dimension.id;
}

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

/**
 * Wrap a rendered view in the ANSI sequences that redraw a terminal in
 * place: clear the screen on the first draw, then go home, overwrite each
 * line (clearing what an older, longer line left) and clear below. Redrawing
 * over the old text flickers less than clearing the screen every tick.
 */
export function screenUpdate(view: string, firstDraw: boolean): string {
  const body = view
    .split('\n')
    .map((line) => `${line}\u001b[K`)
    .join('\n');
  return `${firstDraw ? '\u001b[2J' : ''}\u001b[H${body}\n\u001b[J`;
}
