/**
 * The JSON lines output: one object per tick, one line each, on stdout or
 * any stream.
 */
import { monotonicMs, StreamSink, type ChartDefinition, type Output, type OutputFrame } from '@ebpf-collectors/core';
import { JsonSerializer } from './serializer.js';
import type { JsonOutputOptions } from './types.js';

/**
 * An `Output` writing one {@link JsonFrame} per tick as a line of JSON.
 *
 * Each line is written with one `stream.write`; `write` resolves once the
 * stream took it. Nothing is written for an empty tick. When the reader is
 * gone (EPIPE, `'close'`, `'error'`) `write` rejects with
 * `OutputClosedError`: the caller should stop.
 */
export function createJsonOutput(options: JsonOutputOptions = {}): Output {
  const stream = options.stream ?? process.stdout;
  const clock = options.clock ?? Date.now;
  const serializer = new JsonSerializer();
  const sink = new StreamSink(stream, 'json', stream !== process.stdout && stream !== process.stderr);
  return {
    name: 'json',
    write(frame: OutputFrame): Promise<void> {
      if (sink.closed) return Promise.reject(sink.closedError());
      if (frame.frames.length === 0) return Promise.resolve();
      return sink.write(serializer.serialize(frame));
    },
    obsolete(charts: ReadonlyArray<ChartDefinition>): Promise<void> {
      if (sink.closed) return Promise.reject(sink.closedError());
      if (charts.length === 0) return Promise.resolve();
      return sink.write(serializer.obsolete(charts, clock(), monotonicMs()));
    },
    close(): Promise<void> {
      return sink.close();
    },
  };
}
