import { describe, expect, it } from 'vitest';
import {
  NetdataProtocolChecker,
  agentIntegerValue,
  parseNetdataStream,
  tokenizeNetdataLine,
  type ProtocolViolation,
  type ViolationCode,
  type ViolationConsequence,
} from '../src/netdata-protocol.js';

/** Lines joined with newlines, newline-terminated, as a plugin prints them. */
function transcript(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

const MOUNT_CHART = "CHART mount_points.call '' 'Calls to mount and umount syscalls' 'calls/s' 'mount (eBPF)' '' 'line' 2190 5 '' 'ebpf.plugin' 'mount'";
const MOUNT_DIMENSIONS = ['DIMENSION mount mount incremental 1 1', 'DIMENSION umount umount incremental 1 1'];

describe('tokenizeNetdataLine', () => {
  it.each([
    ['SET x = 5', ['SET', 'x', '5']],
    ['SET x=5', ['SET', 'x', '5']],
    ['  BEGIN\tsystem.cpu\r', ['BEGIN', 'system.cpu']],
    ["CHART a.b '' 'two words' \"it's\"", ['CHART', 'a.b', '', 'two words', "it's"]],
    ["X 'a = b'", ['X', 'a = b']],
    // The backslash protects the quote but stays in the word.
    ["X 'a\\'b' c", ['X', "a\\'b", 'c']],
    // A closing quote ends the word even without a separator after it.
    ["X 'abc'def", ['X', 'abc', 'def']],
    // A quote inside a bare word is an ordinary character.
    ["X it's", ['X', "it's"]],
    // An opening quote at the end of the line starts no word.
    ["X '", ['X']],
    ["X ''", ['X', '']],
    ['', []],
    ['   ', []],
  ])('%j', (line, words) => {
    expect(tokenizeNetdataLine(line)).toEqual(words);
  });
});

describe('agentIntegerValue (strtoll base 0)', () => {
  it.each([
    ['42', 42n],
    ['-5', -5n],
    ['0x10', 16n],
    ['010', 8n],
    ['08', 0n],
    ['12abc', 12n],
    ['abc', 0n],
    ['99999999999999999999', 2n ** 63n - 1n],
    ['-99999999999999999999', -(2n ** 63n)],
  ])('%s -> %s', (text, value) => {
    expect(agentIntegerValue(text)).toBe(value);
  });
});

describe('parseNetdataStream on good transcripts', () => {
  it('accepts the 1.37 session shape and records charts, dimensions and values', () => {
    const parsed = parseNetdataStream(
      transcript(
        MOUNT_CHART,
        ...MOUNT_DIMENSIONS,
        'BEGIN mount_points.call',
        'SET mount = 12',
        'SET umount = 9',
        'END',
        'BEGIN mount_points.call',
        'SET mount = 13',
        'END',
      ),
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.blocks).toBe(2);
    expect(parsed.values.map((b) => [b.chart, Object.fromEntries(b.values)])).toEqual([
      ['mount_points.call', { mount: 12n, umount: 9n }],
      ['mount_points.call', { mount: 13n }],
    ]);
    const chart = parsed.charts.get('mount_points.call');
    expect(chart).toMatchObject({
      type: 'mount_points',
      title: 'Calls to mount and umount syscalls',
      units: 'calls/s',
      family: 'mount (eBPF)',
      context: 'mount_points.call',
      chartType: 'line',
      priority: 2190,
      updateEvery: 5,
      plugin: 'ebpf.plugin',
      module: 'mount',
      obsolete: false,
      declarations: 1,
    });
    expect([...(chart?.dimensions.values() ?? [])].map((d) => [d.id, d.name, d.algorithm])).toEqual([
      ['mount', 'mount', 'incremental'],
      ['umount', 'umount', 'incremental'],
    ]);
  });

  it('accepts labels after CHART, DIMENSION between BEGIN and SET, obsolete and re-declaration', () => {
    const parsed = parseNetdataStream(
      transcript(
        "CHART app.ssh_ebpf_file_open '' 'Number of open files' 'calls/s' 'file_access' 'app.ebpf_file_open' 'stacked' 20061 5 '' 'ebpf.plugin' 'filedescriptor'",
        "CLABEL 'app_group' 'ssh' 1",
        'CLABEL_COMMIT',
        'DIMENSION calls calls incremental 1 1',
        'BEGIN app.ssh_ebpf_file_open',
        "DIMENSION irq_1 'timer' absolute 1 1",
        'SET irq_1 = 3',
        'END',
        "CHART app.ssh_ebpf_file_open '' 'Number of open files' 'calls/s' 'file_access' 'app.ebpf_file_open' 'stacked' 20061 5 'obsolete'",
        "CHART app.ssh_ebpf_file_open '' 'Number of open files' 'calls/s' 'file_access' 'app.ebpf_file_open' 'stacked' 20061 5 '' 'ebpf.plugin' 'filedescriptor'",
        'BEGIN app.ssh_ebpf_file_open',
        'SET calls = 1',
        'END',
      ),
    );
    expect(parsed.errors).toEqual([]);
    const chart = parsed.charts.get('app.ssh_ebpf_file_open');
    expect(chart?.labels.get('app_group')).toEqual({ value: 'ssh', source: '1' });
    expect(chart?.declarations).toBe(3);
    expect(chart?.obsolete).toBe(false);
    expect(chart?.dimensions.get('irq_1')?.name).toBe('timer');
  });

  it('marks a chart obsolete and strictly flags data sent to it before it is declared again', () => {
    const parsed = parseNetdataStream(
      transcript(
        MOUNT_CHART,
        ...MOUNT_DIMENSIONS,
        "CHART mount_points.call '' 'Calls to mount and umount syscalls' 'calls/s' 'mount (eBPF)' '' 'line' 2190 5 'obsolete'",
        'BEGIN mount_points.call',
        'END',
      ),
    );
    expect(parsed.charts.get('mount_points.call')?.obsolete).toBe(true);
    expect(parsed.errors.map((e) => [e.code, e.line])).toEqual([['begin-obsolete-chart', 5]]);
  });

  it('records the microseconds of a BEGIN after the chart was collected once', () => {
    const parsed = parseNetdataStream(
      transcript(MOUNT_CHART, ...MOUNT_DIMENSIONS, 'BEGIN mount_points.call', 'SET mount = 1', 'END', 'BEGIN mount_points.call 10004000', 'SET mount = 2', 'END'),
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.values.map((block) => block.microseconds)).toEqual([undefined, 10_004_000]);
  });
});

describe('parseNetdataStream violations', () => {
  const declared = [MOUNT_CHART, ...MOUNT_DIMENSIONS];
  const cases: Array<[ViolationCode, ViolationConsequence, string[], number]> = [
    ['unknown-keyword', 'kill', [...declared, '# a comment'], 4],
    ['unknown-keyword', 'kill', [...declared, 'begin mount_points.call'], 4],
    ['unknown-keyword', 'kill', [...declared, 'BEGIN2 mount_points.call'], 4],
    ['unknown-keyword', 'kill', ['debug: starting'], 1],
    ['unexpected-keyword', 'strict', ['RBEGIN mount_points.call 1 2 3'], 1],
    ['too-many-words', 'strict', [MOUNT_CHART, `DIMENSION mount mount incremental 1 1 ''${' x'.repeat(14)}`], 2],
    ['disable', 'disable', ['DISABLE'], 1],
    ['chart-without-id', 'disable', ["CHART mount_points '' 'title' 'units' 'f' '' 'line' 1 1 '' 'ebpf.plugin' 'm'"], 1],
    ['chart-without-id', 'disable', ["CHART .call '' 'title' 'units' 'f' '' 'line' 1 1 '' 'ebpf.plugin' 'm'"], 1],
    ['chart-without-id', 'disable', ['CHART'], 1],
    ['chart-bad-field', 'strict', ["CHART a.b '' 'title' 'units' 'f' '' 'pie' 1 1 '' 'ebpf.plugin' 'm'"], 1],
    ['chart-bad-field', 'strict', ["CHART a.b '' 'title' 'units' 'f' '' 'line' 1.5 1 '' 'ebpf.plugin' 'm'"], 1],
    ['chart-bad-field', 'strict', ["CHART a.b '' 'title' 'units' 'f' '' 'line' 1 0 '' 'ebpf.plugin' 'm'"], 1],
    ['chart-bad-field', 'strict', ["CHART a.b '' 'title'"], 1],
    ['chart-id-too-long', 'strict', [`CHART a.${'b'.repeat(198)} '' 't' 'u' 'f' '' 'line' 1 1 '' 'ebpf.plugin' 'm'`], 1],
    ['chart-inside-block', 'strict', [...declared, 'BEGIN mount_points.call', MOUNT_CHART], 5],
    ['dimension-without-id', 'disable', [MOUNT_CHART, 'DIMENSION'], 2],
    ['dimension-without-chart', 'disable', ['DIMENSION mount mount incremental 1 1'], 1],
    ['dimension-without-chart', 'disable', [...declared, 'BEGIN mount_points.call', 'END', 'DIMENSION late late absolute 1 1'], 6],
    ['dimension-bad-field', 'strict', [MOUNT_CHART, 'DIMENSION mount mount sum 1 1'], 2],
    ['dimension-bad-field', 'strict', [MOUNT_CHART, 'DIMENSION mount mount absolute'], 2],
    ['dimension-bad-field', 'strict', [MOUNT_CHART, 'DIMENSION mount mount absolute 0x10 1'], 2],
    ['dimension-bad-field', 'strict', [MOUNT_CHART, "DIMENSION '' '' absolute 1 1"], 2],
    ['begin-without-id', 'disable', [...declared, 'BEGIN'], 4],
    ['begin-unknown-chart', 'disable', [...declared, 'BEGIN mount_points.calls'], 4],
    ['begin-microseconds', 'strict', [...declared, 'BEGIN mount_points.call 1000000'], 4],
    ['begin-microseconds', 'strict', [...declared, 'BEGIN mount_points.call', 'END', 'BEGIN mount_points.call 1.5', 'END'], 6],
    ['begin-microseconds', 'strict', [...declared, 'BEGIN mount_points.call', 'END', 'BEGIN mount_points.call 0', 'END'], 6],
    ['begin-inside-block', 'strict', [...declared, 'BEGIN mount_points.call', 'BEGIN mount_points.call'], 5],
    ['set-without-dimension', 'disable', [...declared, 'BEGIN mount_points.call', 'SET'], 5],
    ['set-without-chart', 'disable', ['SET mount = 1'], 1],
    ['set-without-chart', 'disable', [...declared, 'BEGIN mount_points.call', 'END', 'SET mount = 1'], 6],
    ['set-outside-begin', 'strict', [...declared, 'SET mount = 1', 'END'], 4],
    ['set-unknown-dimension', 'disable', [...declared, 'BEGIN mount_points.call', 'SET remount = 1'], 5],
    ['set-unknown-dimension', 'strict', [...declared, 'BEGIN mount_points.call', 'SET remount = ', 'END'], 5],
    ['set-bad-value', 'strict', [...declared, 'BEGIN mount_points.call', 'SET mount = 1.5', 'END'], 5],
    ['set-bad-value', 'strict', [...declared, 'BEGIN mount_points.call', 'SET mount = 0x10', 'END'], 5],
    ['set-bad-value', 'strict', [...declared, 'BEGIN mount_points.call', 'SET mount = 9223372036854775808', 'END'], 5],
    ['end-without-chart', 'disable', ['END'], 1],
    ['end-without-chart', 'disable', [...declared, 'BEGIN mount_points.call', 'END', 'END'], 6],
    ['end-without-begin', 'strict', [...declared, 'END'], 4],
    ['clabel-malformed', 'disable', [MOUNT_CHART, "CLABEL 'app_group' 'ssh'"], 2],
    ['clabel-malformed', 'strict', [MOUNT_CHART, "CLABEL 'app_group' 'ssh' auto", 'CLABEL_COMMIT'], 2],
    ['clabel-without-chart', 'disable', ["CLABEL 'app_group' 'ssh' 1"], 1],
    ['clabel-not-after-chart', 'strict', [...declared, "CLABEL 'app_group' 'ssh' 1", 'CLABEL_COMMIT'], 4],
    ['clabel-commit-without-chart', 'disable', ['CLABEL_COMMIT'], 1],
    ['clabel-commit-without-clabel', 'disable', [MOUNT_CHART, 'CLABEL_COMMIT'], 2],
    ['variable-malformed', 'disable', ['VARIABLE GLOBAL'], 1],
    ['variable-without-chart', 'disable', ['VARIABLE CHART x = 1'], 1],
  ];

  it.each(cases)('%s (%s): %j line %i', (code, consequence, lines, line) => {
    const parsed = parseNetdataStream(transcript(...lines));
    expect(parsed.errors.map((e) => ({ code: e.code, consequence: e.consequence, line: e.line }))).toEqual([
      { code, consequence, line },
    ]);
    const [error] = parsed.errors;
    expect(error?.text).toBe(lines[line - 1]);
    expect(error?.reason.length).toBeGreaterThan(10);
  });

  it('kills on a line longer than the agent line buffer and measures it in bytes', () => {
    // 'é' is two bytes: 7700 of them make a 15400-byte title, under 15360 characters.
    const long = `CHART a.b '' '${'é'.repeat(7700)}' 'u' 'f' '' 'line' 1 1 '' 'ebpf.plugin' 'm'`;
    expect(long.length).toBeLessThan(15360);
    const parsed = parseNetdataStream(transcript(long));
    expect(parsed.errors.map((e) => [e.code, e.consequence])).toEqual([['line-too-long', 'kill']]);
    expect(parsed.charts.size).toBe(0);
    // 15359 bytes with the newline is what fgets() returns whole; one more is split.
    const prefix = "VARIABLE GLOBAL v = 1 '";
    const fits = `${prefix}${'a'.repeat(15359 - prefix.length - 2)}'\n`;
    expect(Buffer.byteLength(fits)).toBe(15359);
    expect(parseNetdataStream(fits).errors).toEqual([]);
    expect(parseNetdataStream(`${fits.slice(0, -2)}a'\n`).errors.map((e) => e.code)).toEqual(['line-too-long']);
  });

  it('flags a last line without a newline but still reads it', () => {
    const parsed = parseNetdataStream(`${transcript(...declared, 'BEGIN mount_points.call')}END`);
    expect(parsed.errors.map((e) => e.code)).toEqual(['unterminated-line']);
    expect(parsed.blocks).toBe(1);
  });

  it('drops the values of a block that FLUSH abandons', () => {
    const parsed = parseNetdataStream(transcript(...declared, 'BEGIN mount_points.call', 'SET mount = 1', 'FLUSH', 'BEGIN mount_points.call', 'SET umount = 2', 'END'));
    expect(parsed.errors).toEqual([]);
    expect(parsed.values.map((b) => Object.fromEntries(b.values))).toEqual([{ umount: 2n }]);
  });
});

describe('NetdataProtocolChecker', () => {
  const text = transcript(
    "CHART test.utf8 '' 'Café – “quoted”' 'calls/s' 'f' '' 'line' 1 1 '' 'ebpf.plugin' 'm'",
    'DIMENSION a a absolute 1 1',
    'BEGIN test.utf8',
    'SET a = 1',
    'END',
    'BEGIN test.nope',
  );

  it('gives the same result however the bytes are chunked, even inside a UTF-8 character', () => {
    const whole = parseNetdataStream(text);
    const bytes = Buffer.from(text, 'utf8');
    for (const size of [1, 2, 3, 7, 64]) {
      const checker = new NetdataProtocolChecker();
      const found: ProtocolViolation[] = [];
      for (let i = 0; i < bytes.length; i += size) found.push(...checker.feed(bytes.subarray(i, i + size)));
      found.push(...checker.end());
      expect(found).toEqual(whole.errors);
      expect(checker.charts.get('test.utf8')?.title).toBe('Café – “quoted”');
      expect(checker.blocks).toBe(1);
    }
    expect(whole.errors.map((e) => [e.code, e.line])).toEqual([['begin-unknown-chart', 6]]);
  });

  it('reports violations as the lines arrive and can skip keeping values', () => {
    const checker = new NetdataProtocolChecker({ keepValues: false });
    expect(checker.feed("CHART test.a '' 't' 'u' 'f' '' 'line' 1 1 '' 'ebpf.plugin' 'm'\nDIMENSION a a absolute 1 1\nBEGIN test.a\nSET b")).toEqual([]);
    expect(checker.feed(' = 1\n').map((v) => v.code)).toEqual(['set-unknown-dimension']);
    checker.feed('END\n');
    expect(checker.blocks).toBe(1);
    expect(checker.values).toEqual([]);
    checker.end();
    expect(() => checker.feed('END\n')).toThrow(/after end/);
  });
});
