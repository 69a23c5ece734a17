/**
 * The Netdata output: serializes each tick and writes it to stdout (or a
 * given stream) in one write, so the agent never sees half a tick.
 */
import { StreamSink, type ChartDefinition, type Output, type OutputFrame } from '@ebpf-collectors/core';
import { NetdataSerializer } from './serializer.js';
import type { NetdataOutputOptions, SerializerDiagnostic } from './types.js';

/** Distinct diagnostics remembered for log de-duplication before the memory is reset. */
const MAX_REMEMBERED_DIAGNOSTICS = 1000;

/**
 * An `Output` speaking the Netdata 1.37 plugins.d protocol.
 *
 * - `write(frame)` serializes the whole tick, then writes it with a single
 *   `stream.write`; it resolves once the stream took it (after `'drain'`
 *   when the stream asked to wait). Nothing is written for an empty tick.
 * - When the reader is gone (EPIPE, `'close'`, `'error'`), `write` and
 *   `obsolete` reject with `OutputClosedError`: the caller should stop.
 * - Nothing but protocol goes to the stream; diagnostics go to `logger.warn`.
 */
export function createNetdataOutput(options: NetdataOutputOptions = {}): Output {
  const stream = options.stream ?? process.stdout;
  const logger = options.logger;
  const logged = new Set<string>();
  const serializer = new NetdataSerializer({
    ...(options.plugin !== undefined ? { plugin: options.plugin } : {}),
    onDiagnostic: (diagnostic: SerializerDiagnostic) => {
      if (!logger) return;
      // The same broken chart repeats every tick; one log line per cause is enough.
      const key = `${diagnostic.kind}\u0000${diagnostic.chart}\u0000${diagnostic.dimension ?? ''}`;
      if (logged.has(key)) return;
      if (logged.size >= MAX_REMEMBERED_DIAGNOSTICS) logged.clear();
      logged.add(key);
      logger.warn(`netdata output: ${diagnostic.message}`);
    },
  });
  const sink = new StreamSink(stream, 'netdata', stream !== process.stdout && stream !== process.stderr);

  const send = async (text: string): Promise<void> => {
    if (text !== '') await sink.write(text);
  };

  return {
    name: 'netdata',
    write(frame: OutputFrame): Promise<void> {
      // Checked before serializing so the serializer's memory of what the
      // agent knows is not advanced by text that can never arrive.
      if (sink.closed) return Promise.reject(sink.closedError());
      return send(serializer.serialize(frame));
    },
    obsolete(charts: ReadonlyArray<ChartDefinition>): Promise<void> {
      if (sink.closed) return Promise.reject(sink.closedError());
      return send(serializer.obsolete(charts));
    },
    close(): Promise<void> {
      return sink.close();
    },
  };
}
