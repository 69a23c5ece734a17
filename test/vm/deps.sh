#!/bin/sh
# Installs what the VM lane needs on a fresh Debian 12 machine; does nothing when all is present.
#   qemu-system-x86  the emulator (software emulation: the lane does not need /dev/kvm)
#   busybox-static   the initramfs shell (the dynamic `busybox` package cannot run there)
#   cpio, xz-utils   building the initramfs, decompressing the kernel's modules
#   bpftrace         ground-truth counters for test/vm/smoke.mjs
#   mdadm            the md RAID1 the mdflush collector's self-test makes in the guest
# apt-get and dpkg (used to fetch and unpack the kernel) are part of every Debian system.
set -eu

want="qemu-system-x86 busybox-static cpio xz-utils bpftrace mdadm"
missing=""
for pkg in $want; do
  status=$(dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = installed ] || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "test/vm/deps.sh: missing:$missing; run as root: apt-get install -y --no-install-recommends$missing" >&2
  exit 1
fi
echo "test/vm/deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet; install fails with "Unable to locate package".
apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 || {
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}
