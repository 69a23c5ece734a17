import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AppsGroupsError,
  AppsGroupsNotFoundError,
  OTHER_GROUP,
  loadAppsGroups,
  parseAppsGroups,
} from '../src/grouping/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'grouping');

function parse(text: string) {
  return parseAppsGroups(text, 'apps_groups.conf');
}

describe('apps_groups.conf tokeniser', () => {
  it('splits words on spaces, tabs and colons', () => {
    const { groups, errors } = parse('web:nginx\thttpd:caddy   lighttpd\n');
    expect(errors).toEqual([]);
    expect(groups.group('web')?.patterns.map((p) => p.text)).toEqual(['nginx', 'httpd', 'caddy', 'lighttpd']);
  });

  it('accepts a space before the colon and several colons in a row', () => {
    const { groups } = parse('db : mysqld ::: redis*\n');
    expect(groups.group('db')?.patterns.map((p) => p.id)).toEqual(['mysqld', 'redis*']);
  });

  it('keeps spaces, colons and the other quote inside single or double quotes', () => {
    const { groups, errors } = parse(`media: 'Plex Media Serv' "it's: here" 'say "hi"'\n`);
    expect(errors).toEqual([]);
    expect(groups.group('media')?.patterns.map((p) => p.text)).toEqual(['Plex Media Serv', "it's: here", 'say "hi"']);
    expect(groups.match('Plex Media Serv')).toBe('media');
    expect(groups.match('Plex')).toBeUndefined();
  });

  it('treats a quote inside a word as a literal character', () => {
    const { groups } = parse(`g: don't\n`);
    expect(groups.group('g')?.patterns[0]?.text).toBe("don't");
  });

  it('ends the line at a word starting with #, but not at a # inside a word', () => {
    const { groups } = parse('# a comment line\ng: a b#c # d e\n   # indented comment\n');
    expect(groups.names()).toEqual(['g', OTHER_GROUP]);
    expect(groups.group('g')?.patterns.map((p) => p.text)).toEqual(['a', 'b#c']);
  });

  it('ignores empty quoted words and handles CRLF line ends', () => {
    const { groups, errors } = parse(`g: '' a ""\r\nh: b\r\nk: ''\n`);
    expect(errors.map((e) => [e.line, e.reason])).toEqual([[3, "group 'k' has no patterns"]]);
    expect(groups.group('g')?.patterns.map((p) => p.text)).toEqual(['a']);
    expect(groups.match('b')).toBe('h');
  });
});

describe('apps_groups.conf patterns', () => {
  const { groups } = parse("g: exact pre* *suf '*sub string*'\n");

  it('derives the mode from leading and trailing *', () => {
    expect(groups.group('g')?.patterns.map((p) => [p.id, p.text, p.mode])).toEqual([
      ['exact', 'exact', 'exact'],
      ['pre*', 'pre', 'prefix'],
      ['suf', 'suf', 'suffix'],
      ['sub string*', 'sub string', 'substring'],
    ]);
  });

  it('matches exact, prefix and suffix against the process name', () => {
    expect(groups.match('exact')).toBe('g');
    expect(groups.match('exactly')).toBeUndefined();
    expect(groups.match('prefix-thing')).toBe('g');
    expect(groups.match('xpre')).toBeUndefined();
    expect(groups.match('my-suf')).toBe('g');
    expect(groups.match('sufx')).toBeUndefined();
  });

  it('matches substring mode against the command line, falling back to the name', () => {
    expect(groups.match('python3', '/usr/bin/python3 run sub string now')).toBe('g');
    expect(groups.match('python3', '/usr/bin/python3 other')).toBeUndefined();
    expect(groups.match('a sub string b')).toBe('g');
  });

  it('reads the hidden (-) and debug (+) flags in any combination', () => {
    const { groups: g } = parse('a: -+*x* +y -z\n');
    const [x, y, z] = g.group('a')!.patterns;
    expect([x?.mode, x?.hidden, x?.debug]).toEqual(['substring', true, true]);
    expect([y?.hidden, y?.debug]).toEqual([false, true]);
    expect([z?.hidden, z?.debug, z?.text]).toEqual([true, false, 'z']);
  });

  it('needs the command line only when a substring pattern exists', () => {
    expect(groups.needsCmdline).toBe(true);
    expect(parse('g: a b* *c\n').groups.needsCmdline).toBe(false);
  });
});

describe('apps_groups.conf groups', () => {
  it('hides a group written with a leading -, under its name without the dash', () => {
    const { groups } = parse('--quiet: foo\nloud: bar\n');
    expect(groups.names()).toEqual(['quiet', 'loud', OTHER_GROUP]);
    expect(groups.isHidden('quiet')).toBe(true);
    expect(groups.isHidden('loud')).toBe(false);
    expect(groups.match('foo')).toBe('quiet');
  });

  it('hides a group whose first pattern is hidden, not one whose later pattern is', () => {
    const { groups } = parse('a: -x y\nb: y2 -z\n');
    expect(groups.isHidden('a')).toBe(true);
    expect(groups.isHidden('b')).toBe(false);
    expect(groups.group('b')?.patterns[1]?.hidden).toBe(true);
  });

  it('accumulates the patterns of a group given on several lines, keeping its first position', () => {
    const { groups } = parse('build: cc1 make\nssh: ssh*\nbuild: cargo\n-build: git\n');
    expect(groups.names()).toEqual(['build', 'ssh', OTHER_GROUP]);
    expect(groups.group('build')?.patterns.map((p) => [p.text, p.line])).toEqual([
      ['cc1', 1],
      ['make', 1],
      ['cargo', 3],
      ['git', 4],
    ]);
    expect(groups.isHidden('build')).toBe(true);
    expect(groups.match('cargo')).toBe('build');
  });

  it('keeps a pattern in the group that defined it first and warns at the duplicate', () => {
    const { groups, errors, warnings } = parse('first: foo bar\nsecond: baz foo *bar\n');
    expect(errors).toEqual([]);
    expect(groups.match('foo')).toBe('first');
    expect(groups.match('baz')).toBe('second');
    expect(groups.group('second')?.patterns.map((p) => p.id)).toEqual(['baz']);
    // `*bar` has the same identity as `bar`: flags are not part of it.
    expect(warnings.map((w) => [w.line, w.reason])).toEqual([
      [2, "pattern 'foo' is already defined at apps_groups.conf:1 for group 'first'; the first definition is used"],
      [2, "pattern '*bar' is already defined at apps_groups.conf:1 for group 'first'; the first definition is used"],
    ]);
  });

  it('tries patterns in file order: the first match wins, across lines and groups', () => {
    const { groups } = parse('a: post*\nb: postgres\na: xyz\nc: xy*\n');
    expect(groups.match('postgres')).toBe('a');
    expect(groups.match('xyz')).toBe('a');
    expect(groups.match('xyw')).toBe('c');
    const { groups: reversed } = parse('b: postgres\na: post*\n');
    expect(reversed.match('postgres')).toBe('b');
  });

  it('always ends with an empty other group that matches nothing', () => {
    const { groups } = parse('a: x\n');
    expect(groups.names().at(-1)).toBe(OTHER_GROUP);
    expect(groups.otherIndex).toBe(1);
    expect(groups.group(OTHER_GROUP)?.patterns).toEqual([]);
    expect(groups.match('other')).toBeUndefined();
  });

  it('moves a user-defined other group last and keeps its patterns', () => {
    const { groups } = parse('other: misc*\na: x\n');
    expect(groups.names()).toEqual(['a', OTHER_GROUP]);
    expect(groups.match('misc-tool')).toBe(OTHER_GROUP);
  });

  it('warns about exact patterns longer than a process name can be', () => {
    const { groups, warnings } = parse('logs: systemd-journald\n');
    expect(groups.match('systemd-journald')).toBe('logs');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.hint).toContain("'systemd-journal'");
  });
});

describe('apps_groups.conf errors', () => {
  const text = [
    'good: a', // 1
    'lonely', // 2: no patterns
    "bad: 'unterminated b", // 3
    'stars: * - +', // 4: patterns without names
    "'two words': c", // 5
    "'': d", // 6
    'after: e', // 7
  ].join('\n');
  const { groups, errors } = parseAppsGroups(text, '/etc/netdata/apps_groups.conf');

  it('reports each bad line with code, file, line and a hint', () => {
    expect(errors.map((e) => [e.line, e.reason])).toEqual([
      [2, "group 'lonely' has no patterns"],
      [3, "unterminated ' quote"],
      [4, "pattern '*' has no name after its flags"],
      [4, "pattern '-' has no name after its flags"],
      [4, "pattern '+' has no name after its flags"],
      [5, "group name 'two words' contains spaces"],
      [6, "group name '' is empty"],
    ]);
    for (const e of errors) {
      expect(e).toBeInstanceOf(AppsGroupsError);
      expect(e.code).toBe('EBADAPPSGROUPS');
      expect(e.file).toBe('/etc/netdata/apps_groups.conf');
      expect(e.hint.length).toBeGreaterThan(10);
      expect(e.message).toContain(`/etc/netdata/apps_groups.conf:${e.line}: `);
    }
  });

  it('does not take the first pattern as the group when the quoted group name is empty', () => {
    expect(groups.match('d')).toBeUndefined();
    expect(groups.group('d')).toBeUndefined();
  });

  it('keeps parsing after errors and defines no group from a rejected line', () => {
    expect(groups.names()).toEqual(['good', 'after', OTHER_GROUP]);
    expect(groups.match('e')).toBe('after');
    expect(groups.match('b')).toBeUndefined();
    expect(groups.group('stars')).toBeUndefined();
  });
});

describe('stock-derived apps_groups.conf', () => {
  const file = join(FIXTURES, 'apps_groups.stock-sample.conf');
  const { groups, errors, warnings } = parseAppsGroups(readFileSync(file, 'utf8'), file);

  it('parses without errors; the only warning is the over-long systemd-journald', () => {
    expect(errors).toEqual([]);
    expect(warnings.map((w) => w.reason)).toEqual([
      "exact pattern 'systemd-journald' is longer than 15 characters and can never match a process name",
    ]);
  });

  it('keeps file order with other last', () => {
    const names = groups.names();
    expect(names.slice(0, 3)).toEqual(['netdata', 'apps.plugin', 'charts.d.plugin']);
    expect(names.at(-1)).toBe(OTHER_GROUP);
    expect(names.filter((n) => n === 'build')).toHaveLength(1);
  });

  it('places typical processes', () => {
    expect(groups.match('nginx')).toBe('httpd');
    expect(groups.match('sshd')).toBe('ssh');
    expect(groups.match('cargo')).toBe('build');
    expect(groups.match('kworker')).toBe('kernel');
    expect(groups.match('systemd-udevd')).toBe('system');
    expect(groups.match('python3', '/usr/bin/python3 /usr/bin/aws s3 cp a b ')).toBe('aws-s3');
    expect(groups.match('aws', '/usr/bin/aws ec2 describe-instances ')).toBe('aws');
    expect(groups.match('upsdrvctl', '/lib/nut/upsdrvctl start ')).toBe('ups');
    expect(groups.match('systemd', '/lib/systemd/systemd --user ')).toBe('X');
    expect(groups.match('bash', '-bash ')).toBeUndefined();
  });
});

describe('loadAppsGroups', () => {
  const dirs: string[] = [];
  function dir(content?: string): string {
    const d = mkdtempSync(join(tmpdir(), 'apps-groups-'));
    dirs.push(d);
    if (content !== undefined) writeFileSync(join(d, 'apps_groups.conf'), content);
    return d;
  }
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('prefers the user file', () => {
    const user = dir('mine: x\n');
    const stock = dir('stock: x\n');
    const loaded = loadAppsGroups({ user, stock });
    expect(loaded.origin).toBe('user');
    expect(loaded.file).toBe(join(user, 'apps_groups.conf'));
    expect(loaded.groups.match('x')).toBe('mine');
  });

  it('falls back to the stock file when the user has none', () => {
    const stock = dir('stock: x\n');
    const loaded = loadAppsGroups({ user: dir(), stock });
    expect(loaded.origin).toBe('stock');
    expect(loaded.groups.match('x')).toBe('stock');
  });

  it('says why a user file that is a directory or a FIFO was not read, and uses the stock one', () => {
    const user = dir();
    mkdirSync(join(user, 'apps_groups.conf'));
    const stock = dir('stock: x\n');
    const loaded = loadAppsGroups({ user, stock });
    expect(loaded.origin).toBe('stock');
    expect(loaded.warnings[0]?.message).toBe(
      `${join(user, 'apps_groups.conf')}:0: is a directory, not a configuration file (fix it or remove it; ${join(stock, 'apps_groups.conf')} is used instead)`,
    );
    const fifoDir = dir();
    execFileSync('mkfifo', [join(fifoDir, 'apps_groups.conf')]);
    expect(loadAppsGroups({ user: fifoDir, stock }).warnings[0]?.message).toContain('is a FIFO');
  });

  it('reports errors with the path of the file read', () => {
    const user = dir('bad\n');
    const loaded = loadAppsGroups({ user });
    expect(loaded.errors[0]?.message).toBe(`${join(user, 'apps_groups.conf')}:1: group 'bad' has no patterns (list process names after the group, e.g. "bad: process1 process2*")`);
  });

  it('throws a typed error naming both paths when neither exists', () => {
    const user = dir();
    const stock = dir();
    let caught: unknown;
    try {
      loadAppsGroups({ user, stock });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppsGroupsNotFoundError);
    const e = caught as AppsGroupsNotFoundError;
    expect(e.code).toBe('ENOAPPSGROUPS');
    expect(e.tried).toEqual([join(user, 'apps_groups.conf'), join(stock, 'apps_groups.conf')]);
    expect(e.message).toContain(join(user, 'apps_groups.conf'));
    expect(e.message).toContain(join(stock, 'apps_groups.conf'));
    expect((e.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('throws when given no directory at all', () => {
    expect(() => loadAppsGroups({})).toThrow(AppsGroupsNotFoundError);
  });
});
