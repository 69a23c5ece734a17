import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { OutputClosedError, type ChartDefinition, type OutputFrame } from '@ebpf-collectors/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetdataOutput } from '../src/output.js';
import { NetdataSerializer } from '../src/serializer.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

function chart(id: string): ChartDefinition {
  return {
    type: 'test',
    id,
    title: `Chart ${id} with a title long enough to make the text of a tick add up quickly`,
    units: 'calls/s',
    family: 'test',
    context: '',
    chartType: 'line',
    priority: 1000,
    updateEvery: 1,
    module: 'test',
    dimensions: [
      { id: 'a', name: 'first', algorithm: 'incremental' },
      { id: 'b', name: 'second', algorithm: 'absolute' },
    ],
  };
}

function frame(tick: number, charts: number): OutputFrame {
  return {
    timeMs: tick * 1000,
    wallTimeMs: tick * 1000,
    frames: [
      {
        collector: 'test',
        frame: {
          charts: Array.from({ length: charts }, (_, i) => ({
            chart: chart(`c${i}`),
            values: new Map([
              ['a', BigInt(tick * 10 + i)],
              ['b', BigInt(-i)],
            ]),
          })),
        },
      },
    ],
  };
}

/** A stream that records each chunk it is handed. */
function recordingStream(): { stream: Writable; chunks: string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { stream, chunks };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function collect(stream: NodeJS.ReadableStream | null): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => (text += chunk));
  return () => text;
}

describe('createNetdataOutput', () => {
  it('writes a whole tick with one write, and nothing for an empty tick', async () => {
    const { stream, chunks } = recordingStream();
    const output = createNetdataOutput({ stream });
    const reference = new NetdataSerializer();

    await output.write(frame(1, 5));
    await output.write(frame(2, 5));
    await output.write({ timeMs: 3000, wallTimeMs: 3000, frames: [] });

    expect(chunks).toEqual([reference.serialize(frame(1, 5)), reference.serialize(frame(2, 5))]);
    expect(chunks[0]).toMatch(/^CHART test\.c0 /);
    expect(chunks[1]).toMatch(/^BEGIN test\.c0 1000000\n/);
    await output.close();
    expect(stream.writableEnded).toBe(true);
  });

  it('sends obsolete lines in one write and logs each distinct diagnostic once, never on the stream', async () => {
    const { stream, chunks } = recordingStream();
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    const output = createNetdataOutput({ stream, logger, plugin: 'my.plugin' });
    const bad: OutputFrame = {
      timeMs: 0,
      wallTimeMs: 0,
      frames: [{ collector: 'x', frame: { charts: [{ chart: chart('c0'), values: new Map([['zzz', 1n]]) }] } }],
    };
    await output.write(bad);
    await output.write(bad);
    await output.obsolete?.([chart('c0'), chart('never')]);
    expect(chunks).toHaveLength(3);
    expect(chunks[2]).toBe("CHART test.c0 '' 'Chart c0 with a title long enough to make the text of a tick add up quickly' 'calls/s' 'test' '' 'line' 1000 1 'obsolete'\n");
    expect(chunks.join('')).toContain("'my.plugin'");
    expect(warnings).toEqual([
      'netdata output: chart test.c0 has a value for undeclared dimension zzz; dropped',
      'netdata output: chart test.never was never declared; no obsolete line sent',
    ]);
  });

  it('delivers ticks in order through a real pipe', async () => {
    const child = spawn('cat', [], { stdio: ['pipe', 'pipe', 'inherit'] });
    const received = collect(child.stdout);
    const output = createNetdataOutput({ stream: child.stdin });
    const reference = new NetdataSerializer();
    let expected = '';
    for (let t = 1; t <= 20; t++) {
      await output.write(frame(t, 3));
      expected += reference.serialize(frame(t, 3));
    }
    await output.close();
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    expect(received()).toBe(expected);
  });

  it('waits for drain when the reader is slow, and loses nothing', async () => {
    // The reader starts reading only after 300 ms; one tick is far bigger than a pipe buffer.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => process.stdin.pipe(process.stdout), 300)'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const received = collect(child.stdout);
    const events: string[] = [];
    child.stdin.on('drain', () => events.push('drain'));
    const output = createNetdataOutput({ stream: child.stdin });
    const big = frame(1, 4000);
    const started = Date.now();
    await output.write(big);
    events.push('resolved');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(events).toEqual(['drain', 'resolved']);
    await output.close();
    await exited(child);
    expect(received()).toBe(new NetdataSerializer().serialize(big));
  });

  it('rejects with OutputClosedError once the reader is gone, and keeps rejecting', async () => {
    const child = spawn('head', ['-c', '1'], { stdio: ['pipe', 'ignore', 'inherit'] });
    const output = createNetdataOutput({ stream: child.stdin });
    const gone = exited(child);
    // head reads one byte of this tick and exits.
    await output.write(frame(0, 1));
    await gone;
    let error: unknown;
    // The first writes may still land in the pipe buffer; EPIPE follows within a few ticks.
    for (let t = 1; t <= 50 && error === undefined; t++) {
      try {
        await output.write(frame(t, 50));
      } catch (caught) {
        error = caught;
      }
    }
    expect(error).toBeInstanceOf(OutputClosedError);
    expect((error as OutputClosedError).code).toBe('EPIPE');
    await expect(output.write(frame(99, 1))).rejects.toBeInstanceOf(OutputClosedError);
    await expect(output.obsolete?.([chart('c0')])).rejects.toBeInstanceOf(OutputClosedError);
    await expect(output.close()).resolves.toBeUndefined();
  });

  it('rejects writes after close()', async () => {
    const { stream } = recordingStream();
    const output = createNetdataOutput({ stream });
    await output.close();
    await expect(output.write(frame(1, 1))).rejects.toBeInstanceOf(OutputClosedError);
  });
});

describe('createNetdataOutput on a real process stdout', () => {
  let buildDir = '';

  // The child runs the compiled package; build it into a private directory
  // under the package's node_modules (ignored by git) so that
  // '@ebpf-collectors/core' resolves as in production.
  beforeAll(() => {
    const cache = join(packageDir, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    buildDir = mkdtempSync(join(cache, 'output-netdata-test-'));
    // Below node_modules Node does not look further up for the package type.
    writeFileSync(join(buildDir, 'package.json'), '{ "type": "module" }\n');
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const build = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--outDir', buildDir, '--declaration', 'false', '--declarationMap', 'false', '--sourceMap', 'false'], {
      cwd: packageDir,
      encoding: 'utf8',
    });
    if (!existsSync(join(buildDir, 'index.js'))) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
    writeFileSync(
      join(buildDir, 'writer.mjs'),
      `import { createNetdataOutput } from './index.js';
const output = createNetdataOutput();
const chart = { type: 'test', id: 'ticks', title: 'Ticks', units: 'ticks', family: 'test', context: '',
  chartType: 'line', priority: 1, updateEvery: 1, module: 'test', dimensions: [{ id: 'n', algorithm: 'absolute' }] };
let tick = 0;
try {
  for (;;) {
    tick++;
    await output.write({ timeMs: tick, wallTimeMs: tick, frames: [{ collector: 'test', frame: { charts: [{ chart, values: new Map([['n', BigInt(tick)]]) }] } }] });
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
} catch (error) {
  process.stderr.write('stopped: ' + error.name + ' ' + error.code + ' after ' + tick + ' ticks\\n');
  await output.close();
}
`,
    );
  }, 60_000);

  afterAll(() => {
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  });

  it('a plugin whose stdout reader goes away gets OutputClosedError and exits normally', async () => {
    const child = spawn(process.execPath, [join(buildDir, 'writer.mjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr = collect(child.stderr);
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      // Close our end as soon as a few ticks arrived, as an agent that gave up would.
      if ((stdout.match(/^END$/gm) ?? []).length >= 3) child.stdout.destroy();
    });
    const result = await Promise.race([
      exited(child),
      once(child, 'error').then(([error]) => ({ error })),
      new Promise((resolve) => setTimeout(() => resolve('timeout'), 10_000)),
    ]);
    if (result === 'timeout') child.kill('SIGKILL');
    expect(result).toEqual({ code: 0, signal: null });
    expect(stderr()).toMatch(/^stopped: OutputClosedError EPIPE after \d+ ticks\n$/);
    expect(stdout).toMatch(/^CHART test\.ticks '' 'Ticks' 'ticks' 'test' '' 'line' 1 1 '' 'ebpf\.plugin' 'test'\nDIMENSION n '' absolute 1 1\nBEGIN test\.ticks\nSET n = 1\nEND\nBEGIN test\.ticks 1000\nSET n = 2\nEND\n/);
  }, 20_000);
});
