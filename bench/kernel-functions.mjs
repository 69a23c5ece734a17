#!/usr/bin/env node
/**
 * kernel-functions: what the collectors' start-up lookups of kernel
 * functions cost (`features.hasKernelFunction`, asked once per function a
 * trampoline or probe mode would hook), against parsing the kernel's BTF
 * once per name (the baseline: how the loader answered before, through the
 * addon's `btfFunctions(undefined, [name])`), in interleaved rounds.
 *
 * Usage: node bench/kernel-functions.mjs [--rounds 5] [--names 40]
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { createLoader } from '@ebpf-collectors/loader-native';
import { Disturbances, EXIT_FAIL, EXIT_USAGE, EnvironmentError, fmt, log, median, packageFile, printTable, runMain } from './lib.mjs';

const HELP = `Usage: node bench/kernel-functions.mjs [options]

Time to answer N "does the kernel have function X" lookups on a fresh loader
(features.hasKernelFunction), against one BTF parse per name (baseline).

Options:
  --rounds N   interleaved rounds (default 5)
  --names N    lookups per round (default 40: what a start with every collector asks, about)
  --help
`;

// Functions the collectors' trampoline and probe modes ask about, and a few that do not exist.
const NAMES = [
  'vfs_write', 'vfs_writev', 'vfs_read', 'vfs_readv', 'vfs_unlink', 'vfs_fsync_range', 'vfs_open', 'vfs_create',
  'do_sys_openat2', 'close_fd', '__close_fd', 'do_exit', 'release_task', 'wake_up_new_task', 'kernel_clone',
  'tcp_sendmsg', 'tcp_cleanup_rbuf', 'tcp_close', 'udp_sendmsg', 'udp_recvmsg', 'tcp_retransmit_skb',
  'inet_csk_accept', 'tcp_v4_connect', 'tcp_v6_connect', 'tcp_set_state', 'ext4_file_read_iter',
  'ext4_file_write_iter', 'ext4_file_open', 'ext4_sync_file', 'xfs_file_read_iter', 'nfs_file_read',
  'btrfs_file_write_iter', 'add_to_page_cache_lru', 'mark_page_accessed', 'account_page_dirtied',
  'mark_buffer_dirty', 'swap_readpage', 'swap_writepage', 'md_flush_request', 'ebpfc_no_such_function',
];

export async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '5' },
      names: { type: 'string', default: String(NAMES.length) },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const rounds = Number(values.rounds);
  const count = Number(values.names);
  if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(count) || count < 1) {
    process.stderr.write(`kernel-functions: bad option value\n${HELP}`);
    return EXIT_USAGE;
  }
  const names = Array.from({ length: count }, (_, i) => (i < NAMES.length ? NAMES[i] : `ebpfc_no_such_function_${i}`));
  const native = addon();
  if (native.btfFunctions(undefined, ['vfs_read']) === null) throw new EnvironmentError('the kernel has no BTF (/sys/kernel/btf/vmlinux)');
  const disturbances = new Disturbances();
  const times = { perName: [], features: [] };
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['perName', 'features'] : ['features', 'perName'];
    const answers = {};
    for (const variant of order) {
      const t0 = process.hrtime.bigint();
      if (variant === 'perName') {
        answers.perName = names.map((n) => native.btfFunctions(undefined, [n])[0]);
      } else {
        const { features } = createLoader();
        answers.features = names.map((n) => features.hasKernelFunction(n));
      }
      times[variant].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    if (answers.perName.some((a, i) => a !== answers.features[i])) {
      log(`round ${r + 1}: the two methods disagree: ${names.filter((_, i) => answers.perName[i] !== answers.features[i]).join(', ')}`);
      return EXIT_FAIL;
    }
    log(`round ${r + 1}/${rounds}: per name ${fmt(times.perName.at(-1), 1)} ms, hasKernelFunction ${fmt(times.features.at(-1), 1)} ms`);
  }
  const base = median(times.perName);
  printTable(
    `kernel-functions: ${count} kernel-function lookups, hasKernelFunction vs one BTF parse per name (baseline)`,
    ['method', 'ms (median)', 'range', 'ms per name', 'ratio'],
    [
      ['one BTF parse per name (before)', fmt(base, 1), `${fmt(Math.min(...times.perName), 1)}-${fmt(Math.max(...times.perName), 1)}`, fmt(base / count, 2), '1.00x'],
      ['features.hasKernelFunction (fresh loader)', fmt(median(times.features), 1), `${fmt(Math.min(...times.features), 1)}-${fmt(Math.max(...times.features), 1)}`, fmt(median(times.features) / count, 2), `${fmt(median(times.features) / base, 3)}x`],
    ],
    [`Medians over ${rounds} interleaved rounds; both methods must give the same answers.`, ...disturbances.notes()],
  );
  return 0;
}

/** The addon itself, for the baseline (its binding is not part of the package's API). */
function addon() {
  const require = createRequire(import.meta.url);
  return require(packageFile('@ebpf-collectors/loader-native', 'build/Release/loader_native.node'));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runMain('kernel-functions', main);
