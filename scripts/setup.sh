#!/usr/bin/env bash
# Installs what a fresh Debian 12 / Ubuntu machine lacks, then builds everything.
# Idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1
cd "$(dirname "$0")/.."
# Progress goes to stderr: start.sh runs the plugin right after, and its stdout is the protocol.
exec 1>&2

say() { printf '[setup] %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  say "run me as root (apt packages, and loading BPF programs need it)"; exit 3
fi

# prometheus: test/prometheus.kernel.test.ts starts its own server (loopback port, temp config) and promtool lints the scrape.
APT_PACKAGES=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev cmake g++ make python3 bpftrace xfsprogs btrfs-progs util-linux iproute2 prometheus debootstrap qemu-user-static)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null 2>&1; then
  say "installing Node.js from Debian (the project needs Node >= 20)"
  apt-get install -y -qq nodejs npm >/dev/null
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  say "Node $(node --version) is too old: install Node 20 or newer"; exit 1
fi

PNPM_VERSION=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  say "installing pnpm $PNPM_VERSION"
  npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null 2>&1
fi

# BPF programs that attach to tracepoints need tracefs.
if [ ! -e /sys/kernel/tracing/events ]; then
  say "mounting tracefs on /sys/kernel/tracing"
  mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || say "could not mount tracefs: tracepoint collectors will not attach"
fi

say "installing node modules"
pnpm install --frozen-lockfile --reporter=silent
say "building (native addon, BPF objects, TypeScript)"
pnpm run -s build --output-logs=errors-only
