#!/usr/bin/env bash
# Set up (if needed), build, and start ebpf.plugin on this machine's kernel.
# From a terminal it shows a live table; piped, it speaks Netdata's protocol.
# Extra arguments go to the plugin, e.g. `scripts/start.sh 1 --collectors process`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec packages/plugin/bin/ebpf.plugin "$@"
