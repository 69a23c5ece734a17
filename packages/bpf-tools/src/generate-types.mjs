/**
 * The TypeScript mirror of a BPF object and its headers, generated at build
 * time (the precedents: cilium/ebpf's bpf2go and libbpf's skeletons).
 *
 * Nothing here parses C beyond finding names: the compiler evaluates every
 * value. The source is compiled a second time with one anchor variable per
 * enum and struct its headers declare and one single-member enum per integer
 * `#define`, and the BTF of that probe object gives the enum values, the
 * macro values and the struct layouts. Maps and globals come from the real
 * object's BTF, program names and sections from its symbol table.
 *
 * Output (one `.ts` module per object):
 * - every enum member and integer `#define` as an exported constant;
 * - every named enum as an object of camelCase members without the common
 *   prefix and without a trailing count member (`EBPFC_VFS_COUNTERS = 20`
 *   after members 0..19 of `enum ebpfc_vfs_counter`: its last word is the
 *   plural of the tag's, or COUNT, MAX, NR, NUM, LANES, COUNTERS), plus
 *   `<ENUM>_NAMES`, the member keys in value order;
 * - every named struct's layout (size, field offsets, sizes and kinds), and for
 *   structs made of u64 values only, their lane indices and lane count;
 * - `MAPS` (type, key/value sizes, max entries, value struct), `GLOBALS`
 *   (section and size of each global: `.rodata` ones are the `const volatile`
 *   load-time options) and `PROGRAMS` (name -> ELF section), with name types.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bumped when the output format changes, so cached modules are regenerated. */
export const GENERATOR_VERSION = 4;

/** libbpf's `enum bpf_map_type`, as our loader names the kinds. */
const MAP_TYPES = [
  'unspec', 'hash', 'array', 'prog_array', 'perf_event_array', 'percpu_hash', 'percpu_array',
  'stack_trace', 'cgroup_array', 'lru_hash', 'lru_percpu_hash', 'lpm_trie', 'array_of_maps',
  'hash_of_maps', 'devmap', 'sockmap', 'cpumap', 'xskmap', 'sockhash', 'cgroup_storage',
  'reuseport_sockarray', 'percpu_cgroup_storage', 'queue', 'stack', 'sk_storage', 'devmap_hash',
  'struct_ops', 'ringbuf', 'inode_storage', 'task_storage', 'bloom_filter', 'user_ringbuf',
  'cgrp_storage',
];

const ANCHOR = '__ebpfc_gen_';

/** Drop comments and join continued lines, keeping line count irrelevant. */
function stripComments(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/\/\/[^\n]*/g, '')
    .replace(/\\\r?\n/g, ' ');
}

/**
 * The files whose declarations become TypeScript: the source and every
 * header it includes with quotes that is found in its directory or in the
 * include directories, except vmlinux.h.
 * @param {string} source
 * @param {string[]} includeDirs
 */
export function scanFiles(source, includeDirs) {
  const seen = new Set();
  const order = [];
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    order.push(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^[ \t]*#[ \t]*include[ \t]+"([^"]+)"/gm)) {
      if (basename(match[1]) === 'vmlinux.h') continue;
      for (const dir of [dirname(file), ...includeDirs]) {
        const candidate = resolve(dir, match[1]);
        if (existsSync(candidate)) {
          visit(candidate);
          break;
        }
      }
    }
  };
  visit(resolve(source));
  return order;
}

/** A macro body that can only be an integer constant expression. */
const INTEGER_BODY = /^[\w\s()+\-*/%<>|&~^]+$/;

/**
 * Names of the named enums and structs, and the object-like macros with an
 * integer-looking body, declared in the given files.
 * @param {string[]} files
 */
export function scanDeclarations(files) {
  const tags = [];
  const macros = [];
  const seen = new Set();
  for (const file of files) {
    const text = stripComments(readFileSync(file, 'utf8'));
    for (const match of text.matchAll(/\b(enum|struct)[ \t\n]+([A-Za-z_]\w*)\s*\{/g)) {
      const key = `${match[1]} ${match[2]}`;
      if (!seen.has(key)) {
        seen.add(key);
        tags.push({ kind: match[1], name: match[2], file });
      }
    }
    for (const match of text.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\(?)([^\n]*)$/gm)) {
      const [, name, paren, rest] = match;
      const body = rest.trim();
      if (paren || !body || !INTEGER_BODY.test(body)) continue;
      if (seen.has(`#${name}`)) continue;
      seen.add(`#${name}`);
      macros.push({ name, body, file });
    }
  }
  return { tags, macros };
}

function run(file, args, what) {
  const result = spawnSync(file, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw new Error(`${what}: cannot run ${file}: ${result.error.message}`);
  return result;
}

/**
 * `bpftool -j btf dump file <obj> format raw`, with 64-bit values kept exact
 * (JSON numbers above 2^53 would lose digits).
 * @returns {Map<number, any>} types by id
 */
export function readBtf(bpftool, object) {
  const result = run(bpftool, ['-j', 'btf', 'dump', 'file', object, 'format', 'raw'], 'bpftool btf dump');
  if (result.status !== 0) throw new Error(`bpftool btf dump file ${object} failed: ${result.stderr.trim()}`);
  const text = result.stdout.replace(/("val"\s*:\s*)(-?\d+)/g, '$1"$2"');
  const types = new Map();
  for (const type of JSON.parse(text).types) types.set(type.id, type);
  return types;
}

/** An enum member's value as a bigint, with bpftool 7's sign extension of unsigned 32-bit values undone. */
function enumValue(type, raw) {
  let value = BigInt(raw);
  const bits = BigInt(type.size * 8);
  const mask = (1n << bits) - 1n;
  if (type.encoding === 'UNSIGNED' || type.encoding === undefined) {
    value &= mask;
    if (type.encoding === undefined && value >> (bits - 1n)) value -= 1n << bits; // older bpftool: signed
  } else if (type.encoding === 'SIGNED') {
    value = BigInt.asIntN(Number(bits), value);
  }
  return value;
}

/** Follow typedefs and qualifiers. */
function resolveType(types, id) {
  let type = types.get(id);
  while (type && ['TYPEDEF', 'CONST', 'VOLATILE', 'RESTRICT', 'TYPE_TAG'].includes(type.kind)) type = types.get(type.type_id);
  return type;
}

/** Size in bytes of a BTF type. */
function sizeOf(types, id) {
  const type = resolveType(types, id);
  if (!type) return 0;
  switch (type.kind) {
    case 'INT': case 'ENUM': case 'ENUM64': case 'STRUCT': case 'UNION': case 'DATASEC': case 'FLOAT':
      return type.size;
    case 'PTR':
      return 8;
    case 'ARRAY':
      return type.nr_elems * sizeOf(types, type.type_id);
    case 'VAR':
      return sizeOf(types, type.type_id);
    default:
      return 0;
  }
}

/** Short description of a field's type: u8..u64, s8..s64, u64[4], struct x, ptr... */
function kindOf(types, id) {
  const type = resolveType(types, id);
  if (!type) return 'void';
  switch (type.kind) {
    case 'INT': {
      const signed = type.encoding === 'SIGNED' || /^(char|short|int|long|long long|signed)/.test(type.name) && !/unsigned/.test(type.name);
      if (type.encoding === 'BOOL' || type.name === '_Bool') return 'bool';
      return `${signed ? 's' : 'u'}${type.size * 8}`;
    }
    case 'ARRAY':
      return `${kindOf(types, type.type_id)}[${type.nr_elems}]`;
    case 'PTR':
      return 'ptr';
    case 'ENUM': case 'ENUM64':
      return `enum ${type.name || '(anonymous)'}`;
    case 'STRUCT': case 'UNION':
      return `${type.kind.toLowerCase()} ${type.name || '(anonymous)'}`;
    default:
      return type.kind.toLowerCase();
  }
}

/** `exit_call` -> `exitCall`, `OPEN_CALL` -> `openCall`. */
export function camelCase(name) {
  return name.toLowerCase().replace(/_+([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** `ebpfc_vfs_pid_stat` -> `VfsPidStat`. */
export function pascalCase(tag) {
  const camel = camelCase(tag.replace(/^ebpfc_/, ''));
  return camel.charAt(0).toUpperCase() + camel.slice(1);
}

/** `ebpfc_vfs_counter` -> `VFS_COUNTER`. */
function upperSnake(tag) {
  return tag.replace(/^ebpfc_/, '').toUpperCase();
}

/** Longest common prefix of the names, cut after an underscore. */
function commonPrefix(names) {
  if (names.length === 0) return '';
  let prefix = names[0];
  for (const name of names) while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const cut = prefix.lastIndexOf('_');
  prefix = cut >= 0 ? prefix.slice(0, cut + 1) : '';
  // Never eat a whole member name.
  if (names.some((n) => n.length === prefix.length)) return '';
  if (names.length === 1) {
    const only = names[0];
    const last = only.lastIndexOf('_', only.length - 2);
    return last >= 0 ? only.slice(0, last + 1) : '';
  }
  return prefix;
}

/** A TypeScript literal for a bigint: a number when it is exact. */
function literal(value) {
  if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
    const n = Number(value);
    return n > 0xffff ? `0x${n.toString(16)}` : String(n);
  }
  return `${value}n`;
}

const quote = (s) => JSON.stringify(s);

/**
 * Compile the probe: the source plus anchors. Anchors the compiler rejects
 * (a macro whose body is not an integer constant after all) are dropped and
 * the compile retried.
 */
function compileProbe({ clang, compileFlags, source, tags, macros, probeBase }) {
  let keptMacros = [...macros];
  let keptTags = [...tags];
  const probeC = `${probeBase}.c`;
  const probeO = `${probeBase}.o`;
  try {
    for (let attempt = 0; attempt < 4; attempt++) {
      const lines = [`#include ${quote(resolve(source))}`];
      const lineOfMacro = new Map();
      const lineOfTag = new Map();
      keptTags.forEach((tag, i) => {
        lineOfTag.set(lines.length + 1, tag);
        lines.push(`${tag.kind} ${tag.name} ${ANCHOR}t${i};`);
      });
      for (const macro of keptMacros) {
        lineOfMacro.set(lines.length + 1, macro.name);
        // BTF enums hold 32 bits (clang < 15 has no ENUM64): the value goes in two halves and a sign.
        const parts = {
          lo: `(unsigned int)((unsigned long long)(${macro.name}) & 0xffffffffULL)`,
          hi: `(unsigned int)((unsigned long long)(${macro.name}) >> 32)`,
          neg: `((${macro.name}) < 0)`,
        };
        lines.push(
          Object.entries(parts)
            .map(([part, expr]) => `enum ${ANCHOR}m${part}_${macro.name} { ${ANCHOR}v${part}_${macro.name} = ${expr} }; enum ${ANCHOR}m${part}_${macro.name} ${ANCHOR}d${part}_${macro.name};`)
            .join(' '),
        );
      }
      writeFileSync(probeC, `${lines.join('\n')}\n`);
      const result = run(clang, [...compileFlags, '-Wno-everything', '-c', probeC, '-o', probeO], 'clang (types probe)');
      if (result.status === 0) return { btfObject: probeO, macros: keptMacros, tags: keptTags };
      // Anchors the compiler rejects (a macro that is not an integer after
      // all, a struct declared where file scope cannot see it) are dropped.
      const bad = new Set();
      const badTags = new Set();
      for (const match of result.stderr.matchAll(new RegExp(`${basename(probeC).replace(/\./g, '\\.')}:(\\d+):`, 'g'))) {
        const name = lineOfMacro.get(Number(match[1]));
        if (name) bad.add(name);
        const tag = lineOfTag.get(Number(match[1]));
        if (tag) badTags.add(tag);
      }
      if (bad.size === 0 && badTags.size === 0) throw new Error(`compiling the types probe of ${source} failed:\n${result.stderr.trim()}`);
      keptMacros = keptMacros.filter((m) => !bad.has(m.name));
      keptTags = keptTags.filter((t) => !badTags.has(t));
    }
    throw new Error(`compiling the types probe of ${source} kept failing`);
  } finally {
    rmSync(probeC, { force: true });
  }
}

/** Programs of an object: name -> ELF section, from its symbol table. */
export function readPrograms(objdump, object) {
  const result = run(objdump, ['-t', object], 'llvm-objdump -t');
  if (result.status !== 0) throw new Error(`llvm-objdump -t ${object} failed: ${result.stderr.trim()}`);
  const programs = {};
  for (const line of result.stdout.split('\n')) {
    const match = /^[0-9a-f]+\s+g\s+F\s+(\S+)\s+[0-9a-f]+\s+(\S+)\s*$/.exec(line);
    if (match && match[1] !== '.text') programs[match[2]] = match[1];
  }
  return programs;
}

/** Maps and globals from the object's BTF data sections. */
export function readMapsAndGlobals(types) {
  const maps = {};
  const globals = {};
  for (const type of types.values()) {
    if (type.kind !== 'DATASEC') continue;
    for (const info of type.vars ?? []) {
      const variable = types.get(info.type_id);
      if (!variable || variable.kind !== 'VAR') continue;
      if (type.name === '.maps') {
        const def = resolveType(types, variable.type_id);
        const map = { type: 'unknown', keySize: 0, valueSize: 0, maxEntries: 0, keyType: null, valueType: null };
        for (const member of def?.members ?? []) {
          const ptr = resolveType(types, member.type_id);
          if (!ptr || ptr.kind !== 'PTR') continue;
          const target = resolveType(types, ptr.type_id);
          const count = target?.kind === 'ARRAY' ? target.nr_elems : undefined;
          switch (member.name) {
            case 'type': map.type = MAP_TYPES[count] ?? `type_${count}`; break;
            case 'max_entries': map.maxEntries = count ?? 0; break;
            case 'key_size': map.keySize = count ?? 0; break;
            case 'value_size': map.valueSize = count ?? 0; break;
            case 'key':
              map.keySize = sizeOf(types, ptr.type_id);
              map.keyType = target?.name ? kindOf(types, ptr.type_id) : null;
              break;
            case 'value':
              map.valueSize = sizeOf(types, ptr.type_id);
              map.valueType = target?.name ? kindOf(types, ptr.type_id) : null;
              break;
            default:
          }
        }
        maps[variable.name] = map;
      } else if (/^\.(rodata|data|bss)/.test(type.name) && !variable.name.startsWith(ANCHOR)) {
        globals[variable.name] = { section: type.name, size: info.size };
      }
    }
  }
  return { maps, globals };
}

/**
 * Generate the TypeScript module text.
 *
 * @param {object} options
 * @param {string} options.name          object name
 * @param {string} options.source        `<name>.bpf.c`
 * @param {string} options.object        the built object
 * @param {string[]} options.compileFlags  the flags the object was built with (target, defines, -I)
 * @param {string[]} options.includeDirs  where quoted includes are looked up
 * @param {string} options.clang
 * @param {string} options.bpftool
 * @param {string} options.objdump
 * @param {string} options.workDir      where the probe is compiled (removed afterwards)
 * @param {string} [options.displayRoot] paths in comments are shown relative to it
 * @returns {string}
 */
export function generateTypes(options) {
  const files = scanFiles(options.source, options.includeDirs);
  const { tags, macros } = scanDeclarations(files);
  const probeBase = join(options.workDir, `.${options.name}.types-probe-${process.pid}`);
  // Paths in comments: relative to the package being built, else to the repository, else the file name.
  const show = (file) => {
    for (const root of [process.cwd(), options.displayRoot]) if (root && file.startsWith(`${root}/`)) return file.slice(root.length + 1);
    return basename(file);
  };

  let probeTypes = new Map();
  let keptMacros = [];
  if (tags.length > 0 || macros.length > 0) {
    const probe = compileProbe({ ...options, tags, macros, probeBase });
    try {
      probeTypes = readBtf(options.bpftool, probe.btfObject);
    } finally {
      rmSync(probe.btfObject, { force: true });
    }
    keptMacros = probe.macros;
  }
  const byName = new Map();
  for (const type of probeTypes.values()) {
    if (type.name && (type.kind === 'ENUM' || type.kind === 'ENUM64' || type.kind === 'STRUCT')) byName.set(`${type.kind === 'STRUCT' ? 'struct' : 'enum'} ${type.name}`, type);
  }

  const out = [];
  // Names derived from C names may collide (a macro FOO_LANES and a struct ebpfc_foo): the first wins.
  const used = new Set(['MAPS', 'GLOBALS', 'PROGRAMS', ...keptMacros.map((m) => m.name)]);
  for (const type of byName.values()) for (const v of type.values ?? []) used.add(v.name);
  const claim = (name) => {
    if (used.has(name)) {
      out.push(`// ${name} not generated: the name is already taken`);
      return false;
    }
    used.add(name);
    return true;
  };
  const sources = files.map(show);
  out.push(
    `// Generated by @ebpf-collectors/bpf-tools (generator v${GENERATOR_VERSION}) from ${sources.join(', ')}`,
    `// and ${basename(options.object)}. Do not edit: rebuild the package instead.`,
    '/* eslint-disable */',
    '',
  );

  // Integer #defines.
  if (keptMacros.length > 0) out.push('// ---- integer #defines', '');
  for (const macro of keptMacros) {
    const half = (part) => {
      const type = byName.get(`enum ${ANCHOR}m${part}_${macro.name}`);
      return type ? enumValue({ ...type, encoding: 'UNSIGNED' }, type.values[0].val) & 0xffffffffn : undefined;
    };
    const [lo, hi, neg] = [half('lo'), half('hi'), half('neg')];
    if (lo === undefined || hi === undefined || neg === undefined) continue;
    const value = neg ? BigInt.asIntN(64, (hi << 32n) | lo) : (hi << 32n) | lo;
    out.push(`/** \`#define ${macro.name} ${macro.body.replace(/\*\//g, '* /')}\` (${show(macro.file)}). */`, `export const ${macro.name} = ${literal(value)};`);
  }

  // Enums.
  for (const tag of tags.filter((t) => t.kind === 'enum')) {
    const type = byName.get(`enum ${tag.name}`);
    if (!type) continue;
    const members = type.values.map((v) => ({ name: v.name, value: enumValue(type, v.val) }));
    out.push('', `// ---- enum ${tag.name} (${show(tag.file)})`, '');
    for (const m of members) out.push(`export const ${m.name} = ${literal(m.value)};`);
    // A trailing count: the others are 0..n-1, it is n, and its last word is
    // the plural of the tag's last word (`enum ebpfc_vfs_counter` ...
    // `EBPFC_VFS_COUNTERS`) or COUNT, MAX, NR, NUM, LANES, COUNTERS.
    let lanes = members;
    const last = members[members.length - 1];
    const rest = members.slice(0, -1);
    const lastWord = last.name.slice(last.name.lastIndexOf('_') + 1);
    const countWords = new Set([`${tag.name.slice(tag.name.lastIndexOf('_') + 1).toUpperCase()}S`, 'COUNT', 'MAX', 'NR', 'NUM', 'LANES', 'COUNTERS']);
    if (rest.length > 0 && countWords.has(lastWord) && last.value === BigInt(rest.length) && rest.every((m, i) => m.value === BigInt(i))) lanes = rest;
    const prefix = commonPrefix(lanes.map((m) => m.name));
    const keyed = lanes.map((m) => ({ key: camelCase(m.name.slice(prefix.length)), ...m }));
    const objectName = pascalCase(tag.name);
    if (!claim(objectName) || !claim(`${upperSnake(tag.name)}_NAMES`)) continue;
    out.push(
      `/**`,
      ` * \`enum ${tag.name}\` by member, prefix \`${prefix}\` dropped${lanes !== members ? `, without the count \`${last.name}\`` : ''}.`,
      ` */`,
      `export const ${objectName} = {`,
      ...keyed.map((m) => `  ${m.key}: ${literal(m.value)},`),
      '} as const;',
      `/** Keys of {@link ${objectName}} in value order. */`,
      `export const ${upperSnake(tag.name)}_NAMES = [${[...keyed].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)).map((m) => quote(m.key)).join(', ')}] as const;`,
    );
  }

  // Structs.
  for (const tag of tags.filter((t) => t.kind === 'struct')) {
    const type = byName.get(`struct ${tag.name}`);
    if (!type) continue;
    const fields = type.members.map((m) => ({
      key: camelCase(m.name),
      name: m.name,
      offset: m.bits_offset / 8,
      size: sizeOf(probeTypes, m.type_id),
      kind: kindOf(probeTypes, m.type_id),
    }));
    const base = pascalCase(tag.name);
    out.push('', `// ---- struct ${tag.name} (${show(tag.file)})`, '');
    if (!claim(`${base}Layout`)) continue;
    out.push(
      `/** Layout of \`struct ${tag.name}\`: ${type.size} bytes; field offsets and sizes in bytes. */`,
      `export const ${base}Layout = {`,
      `  name: ${quote(tag.name)},`,
      `  size: ${type.size},`,
      '  fields: {',
      ...fields.map((f) => `    ${f.key}: { name: ${quote(f.name)}, offset: ${f.offset}, size: ${f.size}, kind: ${quote(f.kind)} },`),
      '  },',
      '} as const;',
    );
    const allU64 = fields.length > 0 && fields.every((f) => f.kind === 'u64' && f.offset % 8 === 0);
    const laneArray = fields.length === 1 && /^u64\[\d+\]$/.test(fields[0].kind);
    if (allU64 || laneArray) {
      const count = type.size / 8;
      if (allU64 && claim(`${base}Lane`)) {
        out.push(
          `/** u64 lane index of each field of \`struct ${tag.name}\` (per-CPU copies sum lane by lane). */`,
          `export const ${base}Lane = {`,
          ...fields.map((f) => `  ${f.key}: ${f.offset / 8},`),
          '} as const;',
        );
      }
      if (claim(`${upperSnake(tag.name)}_LANES`)) out.push(`/** Number of u64 lanes of \`struct ${tag.name}\`. */`, `export const ${upperSnake(tag.name)}_LANES = ${count};`);
    }
  }

  // Maps, globals, programs of the object.
  const objectTypes = readBtf(options.bpftool, options.object);
  const { maps, globals } = readMapsAndGlobals(objectTypes);
  const programs = readPrograms(options.objdump, options.object);
  out.push(
    '',
    `// ---- ${basename(options.object)}`,
    '',
    `/** Maps of ${basename(options.object)} (BTF \`.maps\`). */`,
    'export const MAPS = {',
    ...Object.entries(maps).map(
      ([name, m]) =>
        `  ${name}: { type: ${quote(m.type)}, keySize: ${m.keySize}, valueSize: ${m.valueSize}, maxEntries: ${m.maxEntries}, keyType: ${quote(m.keyType)}, valueType: ${quote(m.valueType)} },`,
    ),
    '} as const;',
    '/** A map name of the object. */',
    `export type MapName = ${Object.keys(maps).map(quote).join(' | ') || 'never'};`,
    '',
    `/** Global variables of ${basename(options.object)}: section and size; \`.rodata\` ones are the \`const volatile\` load-time options. */`,
    'export const GLOBALS = {',
    ...Object.entries(globals).map(([name, g]) => `  ${name}: { section: ${quote(g.section)}, size: ${g.size} },`),
    '} as const;',
    '/** A global variable of the object. */',
    `export type GlobalName = ${Object.keys(globals).map(quote).join(' | ') || 'never'};`,
    '/** A `const volatile` global (set before load). */',
    `export type ConstGlobalName = ${Object.entries(globals).filter(([, g]) => g.section.startsWith('.rodata')).map(([n]) => quote(n)).join(' | ') || 'never'};`,
    '',
    `/** Programs of ${basename(options.object)}: name -> ELF section (attach type and target). */`,
    'export const PROGRAMS = {',
    ...Object.entries(programs).map(([name, section]) => `  ${name}: ${quote(section)},`),
    '} as const;',
    '/** A program name of the object. */',
    'export type ProgramName = keyof typeof PROGRAMS;',
    '',
  );
  return out.join('\n');
}

/** A stamp of everything the module was generated from, written into its first line. */
export function typesStamp(object, files) {
  const hash = createHash('sha256');
  hash.update(`v${GENERATOR_VERSION}\0`);
  for (const file of [fileURLToPath(import.meta.url), object, ...files]) {
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('missing');
    }
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}
