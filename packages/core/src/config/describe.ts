/**
 * Plain-text rendering of a resolved configuration, for `--check` and debug
 * output: every option of every collector with the file and line (or
 * default, or command-line switch) it came from.
 */
import type { CollectorConfig } from '../types.js';
import type { LoadedConfig } from './load.js';
import type { OptionName, OptionSources, OptionValues } from './options.js';
import { OPTION_KEYS, formatOption } from './options.js';

/** Options of {@link describeConfig}. */
export interface DescribeConfigOptions {
  /** Only these module names (default: all, enabled first in table order). */
  modules?: ReadonlyArray<string>;
  /** Include disabled modules. Default true. */
  disabled?: boolean;
}

/** The options of a collector in the order a config file lists them (what `--check` and {@link describeConfig} show). */
export const OPTION_ORDER: ReadonlyArray<OptionName> = [
  'loadMode',
  'apps',
  'cgroups',
  'updateEvery',
  'pidTableSize',
  'typeFormat',
  'coreTracing',
  'collectPid',
  'mapsPerCore',
  'lifetime',
];

/**
 * Render `loaded` as text: files read, the global layer, then one block per
 * collector, then errors and warnings. Lines end with `\n`.
 */
export function describeConfig(loaded: LoadedConfig, options: DescribeConfigOptions = {}): string {
  const out: string[] = [];
  const width = Math.max(...Object.values(OPTION_KEYS).map((k) => k.length));

  out.push('files read:');
  if (loaded.files.length === 0) out.push('  (none: built-in defaults)');
  for (const f of loaded.files) out.push(`  ${f.path} (${f.origin})`);

  out.push(`global (origin ${loaded.global.origin}${loaded.global.file ? `, ${loaded.global.file}` : ''}):`);
  for (const name of [...OPTION_ORDER.filter((n) => n !== 'collectPid'), 'btfPath'] as OptionName[]) {
    out.push(optionLine(name, loaded.global, loaded.global.sources, width));
  }
  out.push(`  ${'network connections'.padEnd(width)} = ${loaded.networkConnections ? 'yes' : 'no'}`);

  const wanted = options.modules ? new Set(options.modules) : undefined;
  const showDisabled = options.disabled ?? true;
  const configs = [...loaded.collectors.values()]
    .filter((c) => (wanted ? wanted.has(c.module) : true) && (showDisabled || c.enabled))
    .sort((a, b) => Number(b.enabled) - Number(a.enabled));
  for (const config of configs) {
    out.push(...collectorBlock(config, loaded, width));
  }

  if (loaded.errors.length > 0) {
    out.push(`errors (${loaded.errors.length}):`);
    for (const e of loaded.errors) out.push(`  ${e.message}`);
  }
  if (loaded.warnings.length > 0) {
    out.push(`warnings (${loaded.warnings.length}):`);
    for (const w of loaded.warnings) out.push(`  ${w}`);
  }
  return out.map((l) => `${l}\n`).join('');
}

function collectorBlock(config: CollectorConfig, loaded: LoadedConfig, width: number): string[] {
  const file = loaded.moduleFiles.get(config.module);
  const lines = [
    `${config.module}: ${config.enabled ? 'enabled' : 'disabled'}, origin ${config.origin}` +
      (file ? `, ${file.path}` : ', no ebpf.d file'),
  ];
  const sources = loaded.sources.get(config.module);
  for (const name of OPTION_ORDER) lines.push(optionLine(name, config, sources, width));
  const others = [...config.sections.keys()].filter((s) => s !== 'global');
  if (others.length > 0) lines.push(`  sections: ${others.map((s) => `[${s}]`).join(' ')}`);
  return lines;
}

function optionLine(
  name: OptionName,
  values: OptionValues,
  sources: Readonly<OptionSources> | undefined,
  width: number,
): string {
  const value = formatOption(name, values);
  const source = sources?.[name];
  return `  ${OPTION_KEYS[name].padEnd(width)} = ${value}${source ? `  (${source})` : ''}`;
}
