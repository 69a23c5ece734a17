#!/usr/bin/env bash
# Set up (if needed), build, and run every test: unit, kernel (real BPF on this
# kernel, as root), protocol conformance and no-leftovers; then the VM lane
# (every collector in every attach mode on Debian's stock 6.1 kernel) unless
# EBPFC_SKIP_VM=1. The packaging test (scripts/release/test-packaging.sh: the
# npm tarballs installed and run without a compiler) runs before the VM lane
# unless EBPFC_SKIP_PACKAGING=1.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1
bash scripts/setup.sh
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
pnpm run -s test 2>&1 | tee "$log" || status=$?
node scripts/summarize-tests.mjs < "$log"
[ "$status" -eq 0 ] || exit "$status"
if [ "${EBPFC_SKIP_PACKAGING:-0}" != 1 ]; then
  bash scripts/release/test-packaging.sh
fi
if [ "${EBPFC_SKIP_VM:-0}" != 1 ]; then
  bash test/vm/deps.sh
  node test/vm/run-matrix.mjs ${EBPFC_VM_ARGS:-}
fi
