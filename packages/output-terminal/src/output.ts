/**
 * The terminal output: a live, human-readable view of the charts, redrawn
 * every tick.
 */
import { chartKey, StreamSink, type ChartDefinition, type Output, type OutputFrame } from '@ebpf-collectors/core';
import { renderScreen, screenUpdate } from './render.js';
import { applyFrame, createTerminalState, forgetChart } from './state.js';
import type { TerminalOutputOptions } from './types.js';

/** Width assumed when the stream does not say (not a TTY). */
const DEFAULT_COLUMNS = 80;

/**
 * An `Output` that shows the charts on a terminal.
 *
 * On a TTY each tick redraws the screen in place, fitted to
 * `stream.columns` x `stream.rows`, and a `'resize'` redraws at once. On
 * anything else each tick is appended as plain text, 80 columns wide.
 * `write` rejects with `OutputClosedError` once the stream is gone.
 */
export function createTerminalOutput(options: TerminalOutputOptions = {}): Output {
  const stream = options.stream ?? process.stdout;
  const clock = options.clock ?? Date.now;
  const terminal = stream as Partial<{ isTTY: boolean; columns: number; rows: number }>;
  const tty = terminal.isTTY === true;
  const state = createTerminalState();
  const sink = new StreamSink(stream, 'terminal', stream !== process.stdout && stream !== process.stderr);
  let drawn = false;

  const draw = (): Promise<void> => {
    // A pty nobody sized (script(1), some CI consoles) reports 0 columns and rows.
    const columns = terminal.columns && terminal.columns > 0 ? terminal.columns : DEFAULT_COLUMNS;
    const rows = terminal.rows && terminal.rows > 0 ? terminal.rows : undefined;
    const view = renderScreen(state, columns, {
      ...options.render,
      wallClockMs: clock(),
      ...(tty && rows !== undefined ? { height: rows } : {}),
    });
    const text = tty ? screenUpdate(view, !drawn) : `${view}\n\n`;
    drawn = true;
    return sink.write(text);
  };
  const onResize = (): void => {
    // Nothing to report to: a failed redraw shows up on the next write().
    if (!sink.closed) draw().catch(() => undefined);
  };
  if (tty) stream.on('resize', onResize);

  return {
    name: 'terminal',
    write(frame: OutputFrame): Promise<void> {
      if (sink.closed) return Promise.reject(sink.closedError());
      applyFrame(state, frame);
      return draw();
    },
    obsolete(charts: ReadonlyArray<ChartDefinition>): Promise<void> {
      if (sink.closed) return Promise.reject(sink.closedError());
      for (const chart of charts) forgetChart(state, chartKey(chart));
      return draw();
    },
    close(): Promise<void> {
      stream.removeListener('resize', onResize);
      return sink.close();
    },
  };
}
