import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { OutputClosedError, type ChartDefinition, type OutputFrame } from '@ebpf-collectors/core';
import { describe, expect, it } from 'vitest';
import { createTerminalOutput } from '../src/output.js';

const chart: ChartDefinition = {
  type: 'system',
  id: 'process_thread',
  title: 'Start process',
  units: 'calls/s',
  family: 'processes',
  context: '',
  chartType: 'line',
  priority: 21002,
  updateEvery: 1,
  module: 'process',
  dimensions: [
    { id: 'do_fork', name: 'process', algorithm: 'incremental' },
    { id: 'sys_clone', name: 'a_thread_dimension_with_a_long_name', algorithm: 'incremental' },
  ],
};

function frame(timeMs: number, fork: bigint): OutputFrame {
  return {
    timeMs,
    wallTimeMs: timeMs,
    frames: [{ collector: 'process', frame: { charts: [{ chart, values: new Map([['do_fork', fork], ['sys_clone', fork * 3n]]) }] } }],
  };
}

/** A terminal as Node exposes one: isTTY, columns, rows, 'resize'. */
class FakeTerminal extends Writable {
  readonly isTTY = true;
  readonly chunks: string[] = [];
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super({
      write: (chunk: Buffer, _encoding, callback) => {
        this.chunks.push(chunk.toString('utf8'));
        callback();
      },
    });
  }

  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

/** Visible lines of a redraw: escape sequences removed. */
function visibleLines(chunk: string): string[] {
  return chunk.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').split('\n').slice(0, -1);
}

describe('createTerminalOutput', () => {
  it('redraws a TTY in place once per tick, with rates from the second tick on', async () => {
    const terminal = new FakeTerminal(100, 40);
    const output = createTerminalOutput({ stream: terminal, clock: () => Date.UTC(2024, 0, 1, 12, 0, 5) });
    await output.write(frame(1000, 10n));
    await output.write(frame(2000, 14n));
    expect(terminal.chunks).toHaveLength(2);
    expect(terminal.chunks[0]?.startsWith('\u001b[2J\u001b[H')).toBe(true);
    expect(terminal.chunks[1]?.startsWith('\u001b[H')).toBe(true);
    expect(terminal.chunks[1]).not.toContain('\u001b[2J');
    const lines = visibleLines(terminal.chunks[1] ?? '');
    expect(lines[0]).toMatch(/^ebpf\.plugin {2}· {2}\d\d:\d\d:05 {2}· {2}1 chart {2}· {2}every 1s$/);
    expect(lines).toContain('system.process_thread  Start process (calls/s)');
    expect(lines.find((l) => l.startsWith('  process'))).toMatch(/^ {2}process +4 {3}a_thread_dimension_… +12$/);
    await output.close();
  });

  it('redraws at the new width on resize', async () => {
    const terminal = new FakeTerminal(120, 40);
    const output = createTerminalOutput({ stream: terminal });
    await output.write(frame(1000, 1n));
    terminal.resize(30, 40);
    await new Promise((resolve) => setImmediate(resolve));
    expect(terminal.chunks).toHaveLength(2);
    for (const line of visibleLines(terminal.chunks[1] ?? '')) expect([...line].length).toBeLessThanOrEqual(30);
    await output.close();
    terminal.resize(50, 40);
    await new Promise((resolve) => setImmediate(resolve));
    expect(terminal.chunks).toHaveLength(2);
  });

  it('appends plain text without escape sequences when the stream is not a TTY', async () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString('utf8'));
        callback();
      },
    });
    const output = createTerminalOutput({ stream });
    await output.write(frame(1000, 1n));
    await output.obsolete?.([chart]);
    expect(chunks).toHaveLength(2);
    expect(chunks.join('')).not.toContain('\u001b');
    expect(chunks[0]).toContain('system.process_thread');
    expect(chunks[1]).not.toContain('system.process_thread');
    await output.close();
  });

  it('rejects with OutputClosedError when the reader goes away', async () => {
    const child = spawn('head', ['-c', '1'], { stdio: ['pipe', 'ignore', 'inherit'] });
    const output = createTerminalOutput({ stream: child.stdin });
    const gone = once(child, 'exit');
    // head reads one byte of this tick and exits.
    await output.write(frame(0, 0n));
    await gone;
    let error: unknown;
    for (let t = 1; t <= 200 && error === undefined; t++) {
      try {
        await output.write(frame(t * 1000, BigInt(t)));
      } catch (caught) {
        error = caught;
      }
    }
    expect(error).toBeInstanceOf(OutputClosedError);
    await expect(output.write(frame(0, 0n))).rejects.toBeInstanceOf(OutputClosedError);
    await output.close();
  });
});
