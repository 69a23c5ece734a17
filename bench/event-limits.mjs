#!/usr/bin/env node
/**
 * event-limits: call-limits for the collectors that count kernel events
 * other than syscalls (process, socket, softirq, hardirq, cachestat, disk,
 * oomkill): what each adds per event its workload causes, against the
 * cheapest minimal programs doing the same accounting on each hook type this
 * kernel offers (tracepoint, raw_tp, tp_btf) and against bpftrace doing the
 * same count, in one run; and what it adds to a syscall no one hooks
 * (getppid). The runner is bench/limits.mjs; each collector's group (its
 * workload, minimal programs and bpftrace script) is bench/event-groups/<name>.mjs,
 * its minimal programs bench/bpf/<name>_limits.bpf.c and its workload
 * bench/bpf/<name>_loop.c, all built at bench time.
 *
 * Usage: node bench/event-limits.mjs [--collectors LIST] [--rounds 5] [--n N] [--repeat 10] [--cpu 1] [--retries 5] [--no-bpftrace]
 * Run under `flock /tmp/ebpfc-kernel.lock` on a shared machine.
 */
import { pathToFileURL } from 'node:url';
import { runMain } from './lib.mjs';
import { runLimits } from './limits.mjs';

// One import per collector group (bench/event-groups/<name>.mjs exports `group`, or `groups` for several).
import { group as cachestat } from './event-groups/cachestat.mjs';
import { group as disk } from './event-groups/disk.mjs';
import { groups as irq } from './event-groups/irq.mjs';
import { group as oomkill } from './event-groups/oomkill.mjs';
import { groups as processGroups } from './event-groups/process.mjs';
import { groups as socket } from './event-groups/socket.mjs';

const GROUPS = {
  cachestat,
  ...irq,
  disk,
  oomkill,
  ...processGroups,
  ...socket,
};

const HELP = `Usage: node bench/event-limits.mjs [options]

ns added per event by the collectors that count kernel events other than
syscalls, each with the plugin running only it (tracepoint mode, apps on),
against minimal programs doing the same accounting on each hook type
(tracepoint, raw_tp, tp_btf) and against bpftrace, on a workload that
causes its events and on a syscall nobody hooks (getppid), with the goals:
counted at most 1.15x the cheapest minimal program and 0.5x bpftrace; not
hooked at most what the minimal tracepoint programs add (1.00x). Needs
root; run under flock /tmp/ebpfc-kernel.lock.

`;

export function main(argv) {
  return runLimits(
    {
      name: 'event-limits',
      help: HELP,
      groups: GROUPS,
      defaults: Object.keys(GROUPS).join(','),
      title: 'event-limits: ns per event added by the event collectors vs minimal programs and bpftrace',
      notes: ['Collectors: the plugin with only that collector on, apps on, collect pid = all, return load mode, tracepoint mode.'],
    },
    argv,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await runMain('event-limits', main);
