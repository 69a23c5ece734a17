#!/bin/sh
# Runs inside the bullseye root (prebuild.sh copies it there): builds zlib,
# libelf and libbpf as position-independent static libraries for x64 and
# arm64 into $2/<target>/{lib,include} (sources and objects in $2-src).
#
# All three come from the source packages of suite $1 (bookworm: the same
# zlib 1.2.13, elfutils 0.188 and libbpf 1.1.x the development build links on
# Debian 12), compiled here against bullseye's glibc 2.31. Not bullseye's own
# libraries: its libelf.a is not position-independent (its thread-local error
# state uses the local-exec TLS model, which a shared object cannot contain)
# and its libbpf 0.3 lacks APIs the addon uses.
set -eu
SUITE=$1
DEPS=$2
rm -rf "$DEPS" "$DEPS-src"
mkdir -p "$DEPS" "$DEPS-src"
cd "$DEPS-src"
apt-get source -qq "zlib/$SUITE" "elfutils/$SUITE" "libbpf/$SUITE" >/dev/null 2>&1
zsrc=$(find "$PWD" -maxdepth 1 -type d -name 'zlib-*' | head -n1)
esrc=$(find "$PWD" -maxdepth 1 -type d -name 'elfutils-*' | head -n1)
bsrc=$(find "$PWD" -maxdepth 1 -type d -name 'libbpf-*' | head -n1)
for src in "$zsrc" "$esrc" "$bsrc"; do
  printf '%s %s\n' "$(dpkg-parsechangelog -l "$src/debian/changelog" -S Source)" "$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)"
done >"$DEPS/versions"

for t in x64 arm64; do
  if [ "$t" = arm64 ]; then host=aarch64-linux-gnu; cross=aarch64-linux-gnu-; else host=x86_64-linux-gnu; cross=; fi
  p=$DEPS/$t
  mkdir -p "$p/lib" "$p/include" "zlib-$t" "elf-$t" "bpf-$t/staticobjs"

  cp -a "$zsrc/." "zlib-$t/"
  (cd "zlib-$t" &&
    CC=${cross}gcc AR=${cross}ar CFLAGS="-O2 -fPIC -ffile-prefix-map=$DEPS-src/=" ./configure --static --prefix="$p" >/dev/null &&
    make -s -j2 libz.a >/dev/null && make -s install >/dev/null)

  (cd "elf-$t" &&
    "$esrc/configure" -q --host="$host" --disable-debuginfod --disable-libdebuginfod \
      --without-bzlib --without-lzma --without-zstd \
      CFLAGS="-O2 -g -fPIC -ffile-prefix-map=$DEPS-src/=" CPPFLAGS="-I$p/include" LDFLAGS="-L$p/lib" >/dev/null &&
    make -s -C lib -j2 >/dev/null && make -s -C libelf -j2 libelf.a >/dev/null &&
    cp libelf/libelf.a "$p/lib/" &&
    cp "$esrc/libelf/libelf.h" "$esrc/libelf/gelf.h" "$esrc/libelf/nlist.h" "$p/include/")

  make -s -C "$bsrc/src" -j2 BUILD_STATIC_ONLY=y OBJDIR="$DEPS-src/bpf-$t" \
    CC="${cross}gcc" AR="${cross}ar" CFLAGS="-g -O2 -fPIC -ffile-prefix-map=$DEPS-src/= -I$p/include" \
    DESTDIR="$p" PREFIX=/ LIBDIR=/lib install >/dev/null
done
rm -rf "$DEPS-src"
touch "$DEPS/.done"
