#!/usr/bin/env bash
# Builds the prebuilt addons shipped in the per-platform packages
#   packages/loader-native-linux-x64-gnu/loader_native.node
#   packages/loader-native-linux-arm64-gnu/loader_native.node
# against Debian 11 (bullseye, glibc 2.31), with libbpf, libelf, zlib,
# libstdc++ and libgcc linked in, so the result needs only glibc >= 2.31.
#
# Everything comes from Debian: a bullseye root made with debootstrap, its
# gcc and aarch64 cross gcc (so glibc 2.31 headers and libraries), and zlib,
# libelf and libbpf built from bookworm's source packages (the versions the
# development build links on Debian 12; see prebuild-deps.sh for why not
# bullseye's). Nothing is vendored in the repository.
#
# The root and finished builds are cached outside the clone, in
# $EBPFC_PREBUILD_CACHE (default /var/cache/ebpf-collectors/prebuild). A run
# whose inputs (native/, CMakeLists.txt, this script, node-addon-api) match a
# cached build only copies the two files: well under a second.
#
#   bash packages/loader-native/scripts/prebuild.sh           # build if stale, then copy
#   bash packages/loader-native/scripts/prebuild.sh --check   # exit 1 if stale, build nothing
#   bash packages/loader-native/scripts/prebuild.sh --smoke   # also load the arm64 build under qemu
#
# Needs root (debootstrap, chroot) and the Debian packages debootstrap and
# qemu-user-static (scripts/setup.sh installs them).
set -euo pipefail

say() { printf '[prebuild] %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

MODE=build
SMOKE=0
for arg in "$@"; do
  case "$arg" in
    --check) MODE=check ;;
    --smoke) SMOKE=1 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) die "unknown argument '$arg' (expected --check or --smoke)" ;;
  esac
done

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
PKG_DIR=$(dirname "$SCRIPT_DIR")
PACKAGES_DIR=$(dirname "$PKG_DIR")
CACHE=${EBPFC_PREBUILD_CACHE:-/var/cache/ebpf-collectors/prebuild}
ROOT="$CACHE/bullseye-amd64"
ROOT_STAMP="$ROOT/.ebpfc-root-v1"
MIRROR=${EBPFC_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SOURCE_SUITE=bookworm

# node-addon-api and node-api-headers: headers only, from the workspace's node_modules.
resolve_pkg() { (cd "$PKG_DIR" && node -p "require('path').dirname(require.resolve('$1/package.json'))"); }
NAPI_ADDON_DIR=$(resolve_pkg node-addon-api)
NAPI_HEADERS_DIR=$(node -e "
  const { createRequire } = require('module');
  const r = createRequire(require.resolve('cmake-js/package.json', { paths: ['$PKG_DIR'] }));
  console.log(require('path').dirname(r.resolve('node-api-headers/package.json')));")

inputs_hash() {
  {
    cat "$SCRIPT_DIR/prebuild.sh" "$SCRIPT_DIR/prebuild-deps.sh" "$PKG_DIR/CMakeLists.txt"
    find "$PKG_DIR/native" -type f | LC_ALL=C sort | xargs cat
    node -p "require('$NAPI_ADDON_DIR/package.json').version + ' ' + require('$NAPI_HEADERS_DIR/package.json').version"
  } | sha256sum | cut -c1-16
}
HASH=$(inputs_hash)
# The dependency build (in the root) is keyed by the script that makes it.
DEPS=/opt/deps-$(sha256sum "$SCRIPT_DIR/prebuild-deps.sh" | cut -c1-12)
OUT="$CACHE/out/$HASH"
TARGETS=(x64 arm64)

install_outputs() {
  for t in "${TARGETS[@]}"; do
    install -m 0755 "$OUT/$t/loader_native.node" "$PACKAGES_DIR/loader-native-linux-$t-gnu/loader_native.node"
  done
}

up_to_date() {
  for t in "${TARGETS[@]}"; do
    [ -s "$OUT/$t/loader_native.node" ] || return 1
    cmp -s "$OUT/$t/loader_native.node" "$PACKAGES_DIR/loader-native-linux-$t-gnu/loader_native.node" || return 1
  done
}

if [ "$MODE" = check ]; then
  if up_to_date; then say "prebuilds are current ($HASH)"; exit 0; fi
  say "prebuilds are missing or stale ($HASH)"; exit 1
fi

[ "$(id -u)" -eq 0 ] || die "run me as root (debootstrap and chroot need it)"

in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"; }

make_root() {
  command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
  local tmp="$ROOT.tmp"
  if [ ! -x "$tmp/usr/bin/apt-get" ] || [ ! -e "$tmp/.ebpfc-debootstrap-done" ]; then
    say "creating a Debian 11 (bullseye) root in $ROOT (once; a few minutes)"
    rm -rf "$tmp"
    mkdir -p "$CACHE"
    debootstrap --variant=minbase --arch=amd64 \
      --include=build-essential,cmake,pkg-config,libelf-dev,zlib1g-dev,ca-certificates,dpkg-dev,file \
      bullseye "$tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
      die "debootstrap failed, see $CACHE/debootstrap.log"
    touch "$tmp/.ebpfc-debootstrap-done"
  fi
  say "adding the arm64 cross toolchain and an arm64 node (for the qemu smoke test)"
  cat >"$tmp/etc/apt/sources.list" <<EOF
deb $MIRROR bullseye main
deb-src $MIRROR $SOURCE_SUITE main
EOF
  echo 'Acquire::Languages "none";' >"$tmp/etc/apt/apt.conf.d/99ebpfc"
  chroot "$tmp" /usr/bin/dpkg --add-architecture arm64
  local old_root=$ROOT
  ROOT=$tmp
  in_root apt-get update -qq
  # apt's "Can not write log (Is /dev/pts mounted?)" is harmless in a chroot: keep it in the log.
  in_root apt-get install -y -qq --no-install-recommends \
    gcc-aarch64-linux-gnu g++-aarch64-linux-gnu binutils-aarch64-linux-gnu \
    zlib1g:arm64 nodejs:arm64 >"$CACHE/apt.log" 2>&1 || { cat "$CACHE/apt.log" >&2; die "apt-get install in $tmp failed"; }
  in_root apt-get clean
  ROOT=$old_root
  touch "$tmp/.ebpfc-root-v1"
  rm -rf "$ROOT"
  mv "$tmp" "$ROOT"
}

# zlib, libelf and libbpf from Debian source packages, as -fPIC static
# libraries for both targets (see prebuild-deps.sh), cached in the root under /opt/deps-<hash of prebuild-deps.sh>.
build_deps() {
  if [ -e "$ROOT$DEPS/.done" ]; then return; fi
  say "building zlib, libelf and libbpf (Debian $SOURCE_SUITE source packages) for x64 and arm64 into $DEPS"
  printf 'deb %s bullseye main\ndeb-src %s %s main\n' "$MIRROR" "$MIRROR" "$SOURCE_SUITE" >"$ROOT/etc/apt/sources.list"
  in_root apt-get update -qq
  cp "$SCRIPT_DIR/prebuild-deps.sh" "$ROOT/opt/prebuild-deps.sh"
  in_root sh /opt/prebuild-deps.sh "$SOURCE_SUITE" "$DEPS" || die "building zlib/libelf/libbpf in $ROOT failed"
  # Keep the two newest dependency builds (another checkout may use the other).
  ls -1dt "$ROOT"/opt/deps-*/ 2>/dev/null | grep -v -- '-src/$' | tail -n +3 | xargs -r rm -rf
}

build_addon() {
  local t=$1 cc cxx strip
  if [ "$t" = arm64 ]; then
    cc=aarch64-linux-gnu-gcc; cxx=aarch64-linux-gnu-g++; strip=aarch64-linux-gnu-strip
  else
    cc=gcc; cxx=g++; strip=strip
  fi
  say "building the addon for linux-$t-gnu"
  rm -rf "$ROOT/build/$t" && mkdir -p "$ROOT/build/$t/src" "$ROOT/build/$t/napi/headers" "$ROOT/build/$t/napi/addon"
  cp -r "$PKG_DIR/native" "$PKG_DIR/CMakeLists.txt" "$ROOT/build/$t/src/"
  cp -r "$NAPI_HEADERS_DIR/include" "$ROOT/build/$t/napi/headers/"
  cp "$NAPI_ADDON_DIR"/*.h "$ROOT/build/$t/napi/addon/"
  in_root sh -euc "
    cd /build/$t
    cmake -S src -B out -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER=$cc -DCMAKE_CXX_COMPILER=$cxx \
      '-DCMAKE_CXX_FLAGS=-DBUILDING_NODE_EXTENSION -ffile-prefix-map=/build/$t/=' '-DCMAKE_C_FLAGS=-ffile-prefix-map=/build/$t/=' \
      '-DCMAKE_JS_INC=/build/$t/napi/headers/include;/build/$t/napi/addon' \
      -DLIBBPF_STATIC=$DEPS/$t/lib/libbpf.a -DLIBBPF_INCLUDE_DIR=$DEPS/$t/include \
      -DLIBELF=$DEPS/$t/lib/libelf.a -DLIBZ=$DEPS/$t/lib/libz.a \
      -DEBPFC_PORTABLE=ON >/dev/null
    cmake --build out -j2 >/dev/null
    $strip --strip-unneeded out/loader_native.node"
  mkdir -p "$OUT/$t"
  cp "$ROOT/build/$t/out/loader_native.node" "$OUT/$t/loader_native.node"
  cp "$ROOT$DEPS/versions" "$OUT/$t/versions"
}

# Loads the arm64 addon with bullseye's arm64 node under qemu-user and prints its libbpf version.
smoke_arm64() {
  command -v qemu-aarch64-static >/dev/null || die "qemu-aarch64-static is missing: apt-get install qemu-user-static"
  local v
  # A path that does not exist under the root: qemu -L falls back to the host's file.
  v=$(qemu-aarch64-static -L "$ROOT" "$ROOT/usr/bin/nodejs" -e "
    const b = require('$PACKAGES_DIR/loader-native-linux-arm64-gnu/loader_native.node');
    console.log(process.arch + ' node ' + process.version + ' libbpf ' + b.libbpfVersion);" 2>&1) ||
    die "the arm64 addon does not load under qemu-aarch64: $v"
  say "arm64 smoke test: $v"
  printf '%s\n' "$v"
}

mkdir -p "$CACHE/out"
exec 9>"$CACHE/.lock"
flock 9
if ! up_to_date; then
  if [ ! -e "$ROOT_STAMP" ]; then make_root; fi
  build_deps
  if [ ! -s "$OUT/x64/loader_native.node" ] || [ ! -s "$OUT/arm64/loader_native.node" ]; then
    rm -rf "$OUT.tmp" && OUT_FINAL=$OUT && OUT="$OUT.tmp"
    for t in "${TARGETS[@]}"; do build_addon "$t"; done
    rm -rf "$OUT_FINAL" && mv "$OUT" "$OUT_FINAL" && OUT=$OUT_FINAL
    # Keep the three newest builds.
    ls -1dt "$CACHE"/out/*/ 2>/dev/null | tail -n +4 | xargs -r rm -rf
  fi
  install_outputs
  say "prebuilds installed ($HASH)"
else
  say "prebuilds are current ($HASH)"
fi
if [ "$SMOKE" = 1 ]; then smoke_arm64; fi
