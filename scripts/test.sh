#!/usr/bin/env bash
# Set up (if needed), build, and run every test: unit, kernel (real BPF on this
# kernel, as root), protocol conformance and no-leftovers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
pnpm run -s test
