/**
 * Command line of `ebpf.plugin`: Netdata's conventions (a leading number is
 * the update interval; options with one or two dashes; thread flags), parsed
 * by core's `parseNetdataArgs`, plus our own options.
 */
import { parseNetdataArgs, type CliOverrides } from '@ebpf-collectors/core';

/** Attach modes `--mode` can force. */
export type ForcedMode = 'auto' | 'trampoline' | 'probe' | 'tracepoint' | 'legacy';
const FORCED_MODES: ReadonlyArray<ForcedMode> = ['auto', 'trampoline', 'probe', 'tracepoint', 'legacy'];

/**
 * Where charts go. `auto`: a terminal view when stdout is a TTY, the Netdata
 * protocol otherwise. `prometheus` serves HTTP (`--listen`); the others write
 * to stdout.
 */
export type OutputKind = 'auto' | 'netdata' | 'terminal' | 'json' | 'prometheus';
const OUTPUT_KINDS: ReadonlyArray<OutputKind> = ['auto', 'netdata', 'terminal', 'json', 'prometheus'];
/** The outputs that write to stdout: at most one of them per run. */
export const STDOUT_OUTPUTS: ReadonlyArray<OutputKind> = ['auto', 'netdata', 'terminal', 'json'];

/** Parsed command line. */
export interface PluginArguments {
  help: boolean;
  version: boolean;
  check: boolean;
  /** argv[1] as Netdata passes it: used only where the config does not set `update every`. */
  updateEveryArg?: number;
  /** `--update-every S`: overrides every collector's interval, config included. */
  updateEvery?: number;
  configDir?: string;
  /** `--collectors a,b`: run only these collectors (module names, or collector packages: `@scope/pkg`, `./dir`). */
  collectors?: string[];
  /** Netdata's switches (`--global`, `--all`, `--return`, `--legacy`, `--core`, thread flags). */
  netdata: CliOverrides;
  /** `--output` choices in order, without repeats (`['auto']` when not given). At most one writes to stdout. */
  outputs: OutputKind[];
  /** `--listen HOST:PORT` as given (the Prometheus output parses it, so a bad one does not stop the other outputs). */
  listen?: string;
  /** `--once`: print one snapshot (terminal or json, after two ticks so rates are known) and exit. */
  once: boolean;
  /** `--self-test`: start the collectors, run their own workloads, report, exit. */
  selfTest: boolean;
  /** `--scale X`: workload size factor of `--self-test` (the VM lane uses < 1). */
  scale: number;
  /** `--json`: machine-readable `--check` / `--self-test` output (one JSON object per line). */
  json: boolean;
  /** `--mode M`: force an attach mode for every collector (`auto`, `trampoline`, `probe`, `tracepoint`, `legacy`). */
  mode?: ForcedMode;
  logLevel?: string;
  /** `--duration S`: stop after S seconds (for tests and demos). */
  durationSeconds?: number;
}

/** A bad command line. The plugin prints the message and exits with {@link UsageError.exitCode}. */
export class UsageError extends Error {
  readonly code = 'EUSAGE';
  /** sysexits' EX_USAGE. */
  readonly exitCode = 64;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The longest interval a Node timer can wait (2^31 - 1 ms), in whole seconds:
 * a longer `--update-every` or `--duration` would fire at once (Node warns
 * TimeoutOverflowWarning and uses 1 ms) or, as an interval, never send data.
 */
export const MAX_SECONDS = 2_147_483;

/** A value echoed in a message: control bytes escaped, long values cut. */
function shown(text: string): string {
  const escaped = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
  return escaped.slice(1, -1);
}

/** Whole seconds written in decimal digits only (no `1e9`, `1.5`, `0x10`, signs or spaces), 1..{@link MAX_SECONDS}. */
function positiveInteger(flag: string, text: string | undefined): number {
  if (text === undefined) throw new UsageError(`${flag} needs a value`);
  const value = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value <= 0 || value > MAX_SECONDS) {
    throw new UsageError(`${flag} must be a whole number of seconds > 0 and <= ${MAX_SECONDS}, written in digits, not "${shown(text)}"`);
  }
  return value;
}

/** Options that take no value: `--check=yes` is refused rather than read as `--check`. */
function noValue(word: string, inlineValue: string | undefined): void {
  if (inlineValue !== undefined) throw new UsageError(`${word.split('=')[0]} takes no value (got "${shown(word)}")`);
}

/** Parse argv (without node and the script). Throws {@link UsageError}. */
export function parseArguments(argv: ReadonlyArray<string>): PluginArguments {
  // Netdata passes its update frequency as argv[1], a plain positive integer. Core reads it the
  // lenient strtol way ("1e9" -> 1); here anything else that starts with a digit is refused.
  const first = argv[0];
  if (first !== undefined && /^[\d+.]/.test(first)) positiveInteger('the update interval (first argument)', first);
  const netdata = parseNetdataArgs(argv);
  const args: PluginArguments = {
    help: netdata.help,
    version: netdata.version,
    check: false,
    netdata: netdata.cli,
    outputs: [],
    once: false,
    selfTest: false,
    scale: 1,
    json: false,
    ...(netdata.updateEvery !== undefined ? { updateEveryArg: netdata.updateEvery } : {}),
  };
  const rest = netdata.rest;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] as string;
    if (/^\d+$/.test(word)) throw new UsageError(`update every must be the first argument, and > 0 (got "${shown(word)}")`);
    if (!word.startsWith('-')) throw new UsageError(`unexpected argument "${shown(word)}" (see --help)`);
    const [rawName, inlineValue] = word.replace(/^--?/, '').split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string | undefined => inlineValue ?? rest[++i];
    switch (rawName.toLowerCase()) {
      case 'h':
        noValue(word, inlineValue);
        args.help = true;
        break;
      case 'v':
        noValue(word, inlineValue);
        args.version = true;
        break;
      case 'check':
        noValue(word, inlineValue);
        args.check = true;
        break;
      case 'update-every':
        args.updateEvery = positiveInteger('--update-every', value());
        break;
      case 'config-dir': {
        const dir = value();
        if (!dir) throw new UsageError('--config-dir needs a directory');
        args.configDir = dir;
        break;
      }
      case 'collectors': {
        const list = value();
        if (!list) throw new UsageError('--collectors needs a comma-separated list, e.g. --collectors process,vfs');
        args.collectors = list
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      }
      case 'output': {
        const list = value() ?? '';
        const kinds = list.split(',').map((s) => s.trim());
        for (const kind of kinds) {
          if (!OUTPUT_KINDS.includes(kind as OutputKind)) {
            throw new UsageError(`--output must be ${OUTPUT_KINDS.slice(0, -1).join(', ')} or prometheus (several: --output netdata,prometheus), not "${kind}"`);
          }
          if (!args.outputs.includes(kind as OutputKind)) args.outputs.push(kind as OutputKind);
        }
        break;
      }
      case 'listen': {
        const address = value();
        if (address === undefined || address.startsWith('-')) {
          throw new UsageError('--listen needs HOST:PORT, e.g. --listen 127.0.0.1:9435 or --listen :9435');
        }
        args.listen = address;
        break;
      }
      case 'once':
        noValue(word, inlineValue);
        args.once = true;
        break;
      case 'log-level': {
        const level = value();
        if (!level) throw new UsageError('--log-level needs debug, info, warn or error');
        args.logLevel = level;
        break;
      }
      case 'self-test':
        noValue(word, inlineValue);
        args.selfTest = true;
        break;
      case 'json':
        noValue(word, inlineValue);
        args.json = true;
        break;
      case 'scale': {
        const text = value();
        const scale = Number(text);
        if (!text || !/^\d+(\.\d+)?$/.test(text) || scale <= 0 || scale > 100) {
          throw new UsageError(`--scale must be a number > 0 and <= 100 written in decimal, not "${shown(text ?? '')}"`);
        }
        args.scale = scale;
        break;
      }
      case 'mode': {
        const mode = value() as ForcedMode | undefined;
        if (!mode || !FORCED_MODES.includes(mode)) {
          throw new UsageError(`--mode must be one of ${FORCED_MODES.join(', ')}, not "${mode ?? ''}"`);
        }
        args.mode = mode;
        break;
      }
      case 'duration':
        args.durationSeconds = positiveInteger('--duration', value());
        break;
      default:
        throw new UsageError(`unknown option "${shown(word)}" (see --help)`);
    }
  }
  checkOutputs(args);
  return args;
}

/** The rules between `--output`, `--listen` and `--once`. Throws {@link UsageError}. */
function checkOutputs(args: PluginArguments): void {
  if (args.outputs.length === 0) args.outputs.push('auto');
  const onStdout = args.outputs.filter((kind) => STDOUT_OUTPUTS.includes(kind));
  if (onStdout.length > 1) {
    throw new UsageError(
      `--output ${args.outputs.join(',')}: ${onStdout.join(' and ')} would all write to stdout, which carries one protocol only; ` +
        `keep one of netdata, terminal, json (prometheus can go with any of them)`,
    );
  }
  if (args.listen !== undefined && !args.outputs.includes('prometheus')) {
    throw new UsageError('--listen is the address of the Prometheus endpoint: add --output prometheus (e.g. --output netdata,prometheus)');
  }
  if (args.once && !args.outputs.some((kind) => kind === 'terminal' || kind === 'json' || kind === 'auto')) {
    throw new UsageError('--once prints one snapshot on stdout: use it with --output terminal or --output json');
  }
}

/** Text of `--help`. */
export function helpText(version: string): string {
  return `ebpf.plugin ${version}: Linux kernel metrics from eBPF, for Netdata and for people.

Usage: ebpf.plugin [UPDATE_EVERY] [options]

Netdata starts it as "ebpf.plugin <update every>" with stdout a pipe: it then
speaks Netdata's external-plugin protocol on stdout and logs on stderr. Run
from a terminal it shows a live table of its charts instead.

Options (one or two dashes):
  UPDATE_EVERY          seconds between values where the config does not set
                        "update every" (Netdata passes it; default 10)
  --update-every S      seconds between values for every collector, config included
  --config-dir DIR      user config dir (default: $NETDATA_USER_CONFIG_DIR or /etc/netdata);
                        stock files: $NETDATA_STOCK_CONFIG_DIR, /usr/lib/netdata/conf.d,
                        else the defaults shipped with @ebpf-collectors/core
  --collectors a,b      run only these collectors (process, socket, vfs, fs, irq, ...);
                        an entry with a scope or a path (@acme/collector-x, ./dir) is a
                        collector package: loaded, and all its collectors run (exit 64
                        when it is missing or exports no collector). Packages can also be
                        listed in ebpf.d.conf: [collector packages] @acme/collector-x = yes
  --check               load and attach every enabled collector, print the attach mode
                        each one got and why the others failed, then exit (0 = all ok)
  --self-test           start the collectors, make each one generate its own workload
                        (forks, file I/O, sockets...), check its charts moved by at
                        least that much, print PASS/FAIL per collector, exit (0 = all pass)
  --scale X             workload size factor for --self-test (default 1)
  --json                --check / --self-test output as one JSON object per line
  --mode MODE           force the attach mode of every collector: trampoline (fentry/fexit),
                        probe (kprobes), tracepoint, legacy (= probe), or auto (default:
                        the config's "ebpf type format" / "ebpf co-re tracing")
  --output KIND[,KIND]  where charts go; repeatable or comma-separated:
                          auto        (default) terminal when stdout is a TTY, else netdata
                          netdata     Netdata's plugins.d protocol on stdout
                          terminal    a live table on stdout
                          json        one JSON object per interval per line on stdout
                          prometheus  an HTTP endpoint for Prometheus (see --listen)
                        only one of auto, netdata, terminal, json (they write to stdout)
  --listen HOST:PORT    address of the Prometheus endpoint (default :9435, every interface;
                        e.g. 127.0.0.1:9435, [::1]:9435); a bad address or a port in use
                        is logged and the other outputs keep running
  --once                with terminal or json: print one snapshot after two intervals
                        (so rates are known), then exit
  --duration S          stop after S seconds
  --log-level LEVEL     debug, info (default), warn or error
  --global              no apps/cgroup charts          --all      apps and cgroup charts
  --return              count errors too (return mode)  --legacy / --core  force the object type
  --process --net --vfs --filedescriptor --filesystem --hardirq --softirq ...
                        Netdata thread flags: run only the threads named
  --help, --version

Exit codes: 0 ok (also after SIGTERM/SIGINT or when Netdata closes stdout),
1 failure (nothing could run, or --check found a collector that could not attach),
2 this kernel cannot run eBPF, 3 not privileged (needs root, or CAP_BPF + CAP_PERFMON
+ CAP_DAC_READ_SEARCH; set EBPF_PLUGIN_KEEP_CAPABILITIES=yes to keep them after attaching),
64 bad command line.
`;
}
