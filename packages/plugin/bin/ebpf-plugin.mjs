#!/usr/bin/env node
// Entry point behind bin/ebpf.plugin (the launcher Netdata runs).

// The kernel names processes by this (comm): apps_groups.conf can then match the plugin itself.
process.title = 'ebpf.plugin';

// Signals are caught before anything else loads (importing the plugin takes a while):
// a stop asked for at any moment ends the plugin normally (exit 0), never by the default action.
const stop = new AbortController();
const onSignal = (signal) => stop.abort(signal);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGPIPE', 'SIGHUP', 'SIGQUIT']) process.on(signal, onSignal);

const { main } = await import('../dist/main.js');
main(process.argv.slice(2), { stopSignal: stop.signal }).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`ebpf.plugin: fatal: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
