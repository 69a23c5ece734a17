import { PassThrough } from 'node:stream';
import type { Logger, Output } from '@ebpf-collectors/core';
import { describe, expect, it } from 'vitest';
import { parseArguments } from '../src/cli.js';
import { createOutputs } from '../src/outputs.js';

function stdout(tty = false): NodeJS.WriteStream {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: tty, columns: 80, rows: 24 });
  return stream;
}

function logger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (m: string) => void lines.push(`${level}: ${m}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

const names = (outputs: Output[]) => outputs.map((o) => o.name);

describe('createOutputs', () => {
  it('keeps the default: Netdata on a pipe, the table on a terminal', async () => {
    const onPipe = await createOutputs(parseArguments([]), stdout(false), logger(), () => undefined);
    const onTty = await createOutputs(parseArguments([]), stdout(true), logger(), () => undefined);
    expect(onPipe.ok && names(onPipe.outputs)).toEqual(['netdata']);
    expect(onTty.ok && names(onTty.outputs)).toEqual(['terminal']);
    for (const choice of [onPipe, onTty]) if (choice.ok) for (const o of choice.outputs) await o.close();
  });

  it('drops only the endpoint for a bad --listen when another output remains', async () => {
    const log = logger();
    const choice = await createOutputs(parseArguments(['--output', 'netdata,prometheus', '--listen', 'host:http']), stdout(), log, () => undefined);
    expect(choice.ok && names(choice.outputs)).toEqual(['netdata']);
    expect(log.lines).toEqual([
      'error: --listen: "host:http" is not a listen address: the port "http" is not a number from 0 to 65535 (use HOST:PORT, :PORT or [IPv6]:PORT, e.g. 127.0.0.1:9435); the Prometheus endpoint is off, the other outputs keep running',
    ]);
  });

  it('makes a bad --listen a usage error when the endpoint is the only output', async () => {
    const choice = await createOutputs(parseArguments(['--output', 'prometheus', '--listen', '1.2.3.4:70000']), stdout(), logger(), () => undefined);
    expect(choice).toEqual({ ok: false, message: expect.stringContaining('--listen: "1.2.3.4:70000" is not a listen address') });
  });

  it('--once: a plain table of the second frame on any stdout, then done', async () => {
    const out = stdout(false);
    let text = '';
    (out as unknown as PassThrough).on('data', (d: Buffer) => (text += d.toString()));
    let done = 0;
    const choice = await createOutputs(parseArguments(['--once']), out, logger(), () => done++);
    expect(choice.ok && names(choice.outputs)).toEqual(['terminal']);
    if (!choice.ok) return;
    const chart = {
      type: 'system', id: 'process_thread', title: 'Start process', units: 'calls/s', family: 'processes', context: '',
      chartType: 'line' as const, priority: 1, updateEvery: 1, module: 'process',
      dimensions: [{ id: '_do_fork', name: 'process', algorithm: 'incremental' as const }],
    };
    const frame = (s: number, v: bigint) => ({ timeMs: s * 1000, wallTimeMs: s * 1000, frames: [{ collector: 'process', frame: { charts: [{ chart, values: new Map([['_do_fork', v]]) }] } }] });
    await choice.outputs[0]!.write(frame(1, 10n));
    expect(text).toBe('');
    await choice.outputs[0]!.write(frame(2, 13n));
    expect(done).toBe(1);
    expect(text).toContain('system.process_thread');
    expect(text).toMatch(/process\s+3\b/);
    expect(text).not.toContain('\u001b[');
  });
});
