/**
 * Misuse of the addon ends in JS errors, never in a signal that takes the
 * process down: an oversized batch read is bounded by the map's real size,
 * errors that were bare numbers (libbpf's 4000/4001, an unknown map type) get
 * names and words, and workers terminated while they import the addon or
 * while a load is in flight leave the process running.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BpfError, createLoader, openObject, type BpfObject } from '../src/index.js';
import { nativeBinding } from '../src/native.js';
import { collectingLogger, isRoot, objectPath } from './helpers.js';

const quiet = collectingLogger();

describe('errors that were numbers only', () => {
  it('libbpf 4001 (not ELF) and 4000 (a directory) are named and explained', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['/dev/null', 'LIBBPF_ERRNO__FORMAT', /open object \/dev\/null: LIBBPF_ERRNO__FORMAT: not a valid BPF object/],
      ['/etc', 'LIBBPF_ERRNO__LIBELF', /open object \/etc: LIBBPF_ERRNO__LIBELF: libelf could not read it/],
    ];
    for (const [path, code, message] of cases) {
      let caught: unknown;
      try {
        openObject(path, { logger: quiet });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(BpfError);
      expect((caught as BpfError).code).toBe(code);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).message).not.toMatch(/Unknown error/);
    }
  });

  it('a BTF path that is not BTF is refused up front, naming the file and the option, not blamed on the object', () => {
    expect(() => openObject(objectPath('counters'), { logger: quiet, btfPath: '/etc/hostname' })).toThrow(
      /use BTF file \/etc\/hostname: EINVAL: libbpf cannot parse it as BTF .*"btf path" in ebpf\.d\.conf/,
    );
    expect(() => openObject(objectPath('counters'), { logger: quiet, btfPath: '/dev/null' })).toThrow(/use BTF file \/dev\/null: EINVAL: not a regular file/);
  });

  it('probeMapType of a type libbpf does not know is a RangeError, not "Operation not supported"', () => {
    expect(() => nativeBinding().probeMapType(99999)).toThrow(RangeError);
    expect(() => nativeBinding().probeMapType(99999)).toThrow(/probe map type 99999: not a map type this libbpf \(\d+\.\d+\) knows/);
    expect(nativeBinding().probeMapType(1).ok).toBe(true); // BPF_MAP_TYPE_HASH
  });
});

describe.runIf(isRoot)('oversized batch reads', () => {
  let obj: BpfObject;
  beforeAll(async () => {
    const spec = createLoader({ logger: quiet }).openObject(objectPath('maps'));
    const resizable = spec.map('resizable');
    resizable.setKind('percpu_hash');
    resizable.maxEntries = 1000;
    obj = await spec.load();
  });
  afterAll(() => obj?.close());

  it('readAll({ batchSize: 2^24 }) allocates for the map (1000 entries), not for 2^24 of them', () => {
    const map = obj.map('resizable');
    for (let k = 0; k < 1000; k++) {
      const key = Buffer.alloc(4);
      key.writeUInt32LE(k);
      map.update(key, Buffer.alloc(8 * map.nCpus), 'any');
    }
    const before = process.resourceUsage().maxRSS;
    const dump = map.readAll({ batchSize: 1 << 24, method: 'batch' });
    const grownKiB = process.resourceUsage().maxRSS - before;
    expect(dump.count).toBe(1000);
    // 2^24 keys and per-CPU values would have been >= 16.8M * (4 + 8 * nCpus) bytes (>= 200 MiB).
    expect(grownKiB, 'peak RSS growth, KiB').toBeLessThan(64 * 1024);
  });
});

describe.runIf(isRoot)('workers terminated mid-import or mid-load', () => {
  it('the process survives 30 terminations at 0..200 ms (import, module init, loads in flight) and nothing stays loaded', () => {
    const ids = () => new Set((JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'list'], { encoding: 'utf8' })) as Array<{ id: number }>).map((p) => p.id));
    const before = ids();
    const fixture = fileURLToPath(new URL('./fixtures/terminated-worker.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [fixture, objectPath('counters'), '30'], { encoding: 'utf8', timeout: 60_000 });
    expect({ status: r.status, signal: r.signal, stderr: r.stderr.slice(-500) }).toEqual({ status: 0, signal: null, stderr: expect.not.stringContaining('terminate called') });
    expect(r.stdout.trim()).toBe('30');
    expect([...ids()].filter((id) => !before.has(id))).toEqual([]);
  });
});

describe('corrupt objects are refused before libbpf parses them', () => {
  /** A deterministic corpus: the same 200 mutations on every run (xorshift from a fixed seed). */
  function mutations(image: Buffer, count: number): Buffer[] {
    let state = 0x9e3779b9;
    const next = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 0x1_0000_0000;
    };
    const out: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const copy = Buffer.from(image);
      switch (i % 4) {
        case 0: // a few flipped bytes anywhere (section headers, BTF, map definitions...)
          for (let n = 1 + Math.floor(next() * 8); n > 0; n--) {
            const at = Math.floor(next() * copy.length);
            copy[at] = (copy[at] ?? 0) ^ (1 + Math.floor(next() * 255));
          }
          out.push(copy);
          break;
        case 1: // truncated
          out.push(copy.subarray(0, Math.floor(next() * copy.length)));
          break;
        case 2: // a zeroed run
          {
            const [a, b] = [Math.floor(next() * copy.length), Math.floor(next() * copy.length)];
            copy.fill(0, Math.min(a, b), Math.max(a, b) + 1);
          }
          out.push(copy);
          break;
        default: // one 32-bit field of the ELF header or section table replaced by a random value
          copy.writeUInt32LE(Math.floor(next() * 0xffffffff), 4 * Math.floor(next() * Math.min(copy.length / 4 - 1, 64)));
          out.push(copy);
      }
    }
    return out.filter((m) => !m.equals(image));
  }

  it('with the digest the build records, 200 mutated copies of an object are refused (ECORRUPT, naming the file); the intact one opens', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lnt-corrupt-'));
    try {
      const image = readFileSync(objectPath('counters'));
      const digest = `${createHash('sha256').update(image).digest('hex')}  counters.bpf.o\n`;
      const target = join(dir, 'counters.bpf.o');
      writeFileSync(`${target}.sha256`, digest);
      writeFileSync(target, image);
      openObject(target, { logger: quiet }).close();
      const corpus = mutations(image, 200);
      expect(corpus.length).toBeGreaterThan(180); // a mutation that changed nothing is left out
      for (const mutated of corpus) {
        writeFileSync(target, mutated);
        let caught: unknown;
        try {
          openObject(target, { logger: quiet }).close();
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(BpfError);
        expect((caught as BpfError).code).toBe('ECORRUPT');
        expect((caught as Error).message).toContain(`${target}.sha256`);
      }
      writeFileSync(`${target}.sha256`, 'not a digest\n');
      expect(() => openObject(target, { logger: quiet })).toThrow(/does not hold a SHA-256 digest/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(isRoot)('capabilities', () => {
  it('dropCapabilities keeps only what it is asked for, sets no_new_privs, and a load afterwards says why it fails', () => {
    // In a child: the drop cannot be undone.
    const script = `
      import { capabilities, dropCapabilities, openObject } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
      const quiet = { debug() {}, info() {}, warn() {}, error() {} };
      const before = capabilities();
      const drop = dropCapabilities(['CAP_BPF']);
      const after = capabilities();
      let error = '';
      try { await openObject(${JSON.stringify(objectPath('counters'))}, { logger: quiet }).load(); } catch (e) { error = e.message; }
      console.log(JSON.stringify({ before: before.effective.toString(16), after: after.effective.toString(16), permitted: after.permitted.toString(16),
        noNewPrivs: after.noNewPrivs, kept: drop.kept.toString(16), error }));
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, string | boolean>;
    expect(out).toMatchObject({ after: '8000000000', permitted: '8000000000', kept: '8000000000', noNewPrivs: true });
    expect(out.error).toMatch(/EPERM: this process dropped its capabilities after attaching \(dropCapabilities kept CAP_BPF\)/);
  });
});
