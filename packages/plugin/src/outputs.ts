/**
 * The outputs `--output` asks for: at most one on stdout (netdata, terminal
 * or json), plus the Prometheus endpoint; `--once` snapshots.
 */
import type { Logger, Output, OutputFrame } from '@ebpf-collectors/core';
import type { ListenAddress } from '@ebpf-collectors/output-prometheus';
import type { OutputKind, PluginArguments } from './cli.js';

// Each output package is imported only when asked for: the Prometheus one
// alone (prom-client) costs about 6 MiB of resident memory and 100-200 ms
// of start-up, for a plugin that Netdata runs with its own output only.

/** Frames a `--once` snapshot waits for: the second one has rates for `incremental` dimensions. */
const ONCE_FRAMES = 2;
/** Width of a `--once` terminal snapshot when stdout does not say. */
const DEFAULT_COLUMNS = 100;

/** The outputs to run, or why none can. */
export type OutputChoice = { ok: true; outputs: Output[] } | { ok: false; message: string };

/**
 * Create the outputs of `args`. A bad `--listen` drops only the Prometheus
 * output (logged) when another output remains; alone, it is a usage error.
 *
 * @param done - called when a `--once` snapshot was written (the run should stop)
 */
export async function createOutputs(
  args: PluginArguments,
  stdout: NodeJS.WriteStream,
  logger: Logger,
  done: () => void,
): Promise<OutputChoice> {
  const outputs: Output[] = [];
  const kinds = args.outputs.map((kind): OutputKind => (kind === 'auto' ? (stdout.isTTY || args.once ? 'terminal' : 'netdata') : kind));
  for (const kind of kinds) {
    switch (kind) {
      case 'netdata': {
        const { createNetdataOutput } = await import('@ebpf-collectors/output-netdata');
        outputs.push(createNetdataOutput({ stream: stdout, logger }));
        break;
      }
      case 'terminal': {
        const terminal = await import('@ebpf-collectors/output-terminal');
        outputs.push(args.once ? terminalSnapshot(terminal, stdout, done) : terminal.createTerminalOutput({ stream: stdout }));
        break;
      }
      case 'json': {
        const json = await import('@ebpf-collectors/output-json');
        outputs.push(args.once ? jsonSnapshot(json, stdout, done) : json.createJsonOutput({ stream: stdout }));
        break;
      }
      case 'prometheus': {
        const { createPrometheusOutput, parseListen } = await import('@ebpf-collectors/output-prometheus');
        let listen: ListenAddress;
        try {
          listen = args.listen === undefined ? parseListen(':9435') : parseListen(args.listen);
        } catch (error) {
          const message = `--listen: ${error instanceof Error ? error.message : String(error)}`;
          if (kinds.length === 1) return { ok: false, message };
          logger.error(`${message}; the Prometheus endpoint is off, the other outputs keep running`);
          break;
        }
        outputs.push(createPrometheusOutput({ listen, logger }));
        break;
      }
    }
  }
  return { ok: true, outputs };
}

/** `--once` on a terminal: one plain-text table of the second frame, then `done`. */
function terminalSnapshot(
  { applyFrame, createTerminalState, renderScreen }: typeof import('@ebpf-collectors/output-terminal'),
  stdout: NodeJS.WriteStream,
  done: () => void,
): Output {
  const state = createTerminalState();
  let frames = 0;
  return {
    name: 'terminal',
    write(frame: OutputFrame): void {
      applyFrame(state, frame);
      if (++frames !== ONCE_FRAMES) return;
      const columns = stdout.isTTY && stdout.columns > 0 ? stdout.columns : DEFAULT_COLUMNS;
      stdout.write(`${renderScreen(state, columns, { wallClockMs: frame.wallTimeMs })}\n`);
      done();
    },
    close(): void {},
  };
}

/** `--once` as JSON: the line of the second frame (its `display` rates known), then `done`. */
function jsonSnapshot(
  { JsonSerializer }: typeof import('@ebpf-collectors/output-json'),
  stdout: NodeJS.WriteStream,
  done: () => void,
): Output {
  const serializer = new JsonSerializer();
  let frames = 0;
  return {
    name: 'json',
    write(frame: OutputFrame): void {
      const line = serializer.serialize(frame);
      if (++frames !== ONCE_FRAMES) return;
      stdout.write(line);
      done();
    },
    close(): void {},
  };
}
