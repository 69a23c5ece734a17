/**
 * Netdata's ebpf.plugin command line: an optional leading number (the update
 * frequency the agent passes), then long options written with one or two
 * dashes. Only the options that change configuration are modelled here; the
 * caller keeps whatever else it understands.
 */
import type { ModuleConfigSpec } from './modules.js';
import { NETDATA_MODULES } from './modules.js';

/** Command-line switches applied after every file (§2.3 step 6). */
export interface CliOverrides {
  /** `--global`: no apps or cgroup charts for any thread. Wins over `all`. */
  global?: boolean;
  /** `--all`: lift the apps/cgroups veto that `apps = no` / `cgroups = no` in `ebpf.d.conf` put on every thread. */
  all?: boolean;
  /** `--return`: `ebpf load mode = return` for every thread. */
  returnMode?: boolean;
  /** `--legacy` / `--core`: `ebpf type format` for every thread (the last of the two given wins). */
  typeFormat?: 'legacy' | 'co-re';
  /** Thread flags given (`process`, `net`, `filedescriptor`...): every thread not named is disabled. */
  threads?: ReadonlyArray<string>;
  /** `--update-every N`: seconds between values for every module, over every file. */
  updateEvery?: number;
  /** `--mode M`: the attach mode every module must use (`auto` restores the fallback). */
  mode?: ForcedMode;
  /** `--collectors a,b`: exactly these modules (by name) run. */
  collectors?: ReadonlyArray<string>;
}

/** An attach mode forced on every module: `legacy` is Netdata's kprobe objects, `auto` the fallback order. */
export type ForcedMode = 'auto' | 'trampoline' | 'probe' | 'tracepoint' | 'legacy';

/** What {@link parseNetdataArgs} understood. */
export interface NetdataArgs {
  /** Leading positive number: the agent's update frequency, seconds. */
  updateEvery?: number;
  cli: CliOverrides;
  help: boolean;
  version: boolean;
  /** Arguments not understood here, in order, for the caller's own options. */
  rest: string[];
}

/**
 * Parse ebpf.plugin arguments the way Netdata does.
 *
 * @param args - Arguments after the program name (`process.argv.slice(2)`).
 * @param modules - Threads whose `cliFlag`s are recognised. Default: Netdata's sixteen.
 */
export function parseNetdataArgs(
  args: ReadonlyArray<string>,
  modules: ReadonlyArray<ModuleConfigSpec> = NETDATA_MODULES,
): NetdataArgs {
  const out: NetdataArgs = { cli: {}, help: false, version: false, rest: [] };
  const threads: string[] = [];
  const flags = new Set(modules.map((m) => m.cliFlag));

  args.forEach((arg, index) => {
    // Netdata reads argv[1] with strtol: leading digits count, zero or junk means "not given".
    if (index === 0 && /^\d/.test(arg)) {
      const n = Number.parseInt(arg, 10);
      if (n > 0) out.updateEvery = n;
      return;
    }
    const match = /^--?([a-z][a-z-]*)$/.exec(arg);
    const name = match?.[1];
    if (name === undefined) {
      out.rest.push(arg);
      return;
    }
    if (flags.has(name)) {
      if (!threads.includes(name)) threads.push(name);
      return;
    }
    switch (name) {
      case 'global':
        out.cli.global = true;
        break;
      case 'all':
        out.cli.all = true;
        break;
      case 'return':
        out.cli.returnMode = true;
        break;
      case 'legacy':
        out.cli.typeFormat = 'legacy';
        break;
      case 'core':
        out.cli.typeFormat = 'co-re';
        break;
      case 'help':
        out.help = true;
        break;
      case 'version':
        out.version = true;
        break;
      default:
        out.rest.push(arg);
    }
  });
  if (threads.length > 0) out.cli.threads = threads;
  return out;
}
