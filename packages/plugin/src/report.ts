/**
 * The human report of `--check`: kernel features, then per collector the
 * attach mode it got and why the other modes failed.
 */
import { OPTION_KEYS, OPTION_ORDER, formatOption, type AttachReport, type CollectorConfig, type OptionSources } from '@ebpf-collectors/core';
import type { Loader } from '@ebpf-collectors/loader-native';
import type { DiscoveredCollectors } from './collectors.js';

/** Inputs of {@link formatCheckReport}. */
export interface CheckReportInput {
  version: string;
  loader: Loader;
  reports: ReadonlyArray<AttachReport>;
  configs: ReadonlyMap<string, CollectorConfig>;
  /** Per collector, where each effective option came from (`file:line`, a flag, `default`). */
  sources?: ReadonlyMap<string, Readonly<OptionSources>>;
  discovered: DiscoveredCollectors;
}

/** `    update every = 1   (--update-every)` lines: each effective option and what set it. */
function optionLines(config: CollectorConfig, sources: Readonly<OptionSources> | undefined): string[] {
  if (!sources) return [];
  const width = Math.max(...OPTION_ORDER.map((name) => OPTION_KEYS[name].length));
  return OPTION_ORDER.map((name) => {
    const setting = `${OPTION_KEYS[name].padEnd(width)} = ${formatOption(name, config)}`;
    return `    ${setting.padEnd(width + 16)} (${sources[name]})`;
  });
}

function yesNo(probe: () => boolean): string {
  try {
    return probe() ? 'yes' : 'no';
  } catch (error) {
    return `unknown (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** Render the report as plain text, one block per collector. */
export function formatCheckReport(input: CheckReportInput): string {
  const f = input.loader.features;
  const lines: string[] = [];
  lines.push(`ebpf.plugin ${input.version} on Linux ${f.kernelRelease()}`);
  const probes: Array<[string, () => boolean]> = [
    ['btf', () => f.btf()],
    ['tracepoint', () => f.tracepoint()],
    ['raw_tp', () => f.rawTracepoint()],
    ['tp_btf', () => f.tpBtf()],
    ['fentry', () => f.fentry()],
    ['kprobe', () => f.kprobe()],
    ['batch map ops', () => f.batchOps()],
  ];
  for (const [name, probe] of probes) {
    const answer = yesNo(probe);
    const why = answer === 'no' ? f.reason(name === 'raw_tp' ? 'rawTracepoint' : name === 'batch map ops' ? 'batchOps' : name === 'tp_btf' ? 'tpBtf' : name) : undefined;
    lines.push(`  ${name.padEnd(14)} ${answer}${why ? ` (${why})` : ''}`);
  }
  lines.push('');
  const byName = new Map(input.reports.map((r) => [r.collector, r]));
  const definitions = new Map(input.discovered.available.map((c) => [c.name, c]));
  const available = new Set(definitions.keys());
  for (const [name, config] of input.configs) {
    if (!config.enabled) {
      lines.push(`${name.padEnd(12)} disabled`);
      continue;
    }
    if (!available.has(name)) {
      const pkg = input.discovered.missing.find((m) => m.modules.includes(name));
      lines.push(`${name.padEnd(12)} not installed${pkg ? ` (npm i ${pkg.packageName})` : ' (no collector implements it yet)'}`);
      continue;
    }
    const report = byName.get(name);
    if (!report) {
      lines.push(`${name.padEnd(12)} not started`);
      continue;
    }
    lines.push(
      `${name.padEnd(12)} ${report.chosen ? `OK  ${report.chosen} mode` : 'FAILED'}  (type format ${config.typeFormat}, co-re tracing ${config.coreTracing}, load mode ${config.loadMode}${definitions.get(name)?.usesLoadMode ? '' : ': no effect here'})`,
    );
    for (const attempt of report.attempts) {
      lines.push(`  ${attempt.ok ? '+' : '-'} ${attempt.mode.padEnd(10)} ${attempt.ok ? 'attached' : `${attempt.code ? `[${attempt.code}] ` : ''}${attempt.reason ?? 'failed'}`}`);
    }
    const options = optionLines(config, input.sources?.get(name));
    if (options.length > 0) lines.push('  options:', ...options);
  }
  return `${lines.join('\n')}\n`;
}
