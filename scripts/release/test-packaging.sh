#!/usr/bin/env bash
# The packages as a user gets them: pack every publishable package from the
# built tree, check the tarballs (check-tarballs.mjs), install them with npm
# into a directory outside the workspace with no compiler on PATH, and there
#   - `ebpf.plugin --check --collectors process` must attach the process collector;
#   - a short ESM program and the same in CommonJS (require() of ESM, Node >= 20.19)
#     must read one interval of process charts as plain numbers.
# Also checks the prebuilt addons (readelf NEEDED and GLIBC symbol versions,
# the arm64 one loading under qemu-user) and the changesets configuration
# (check-changesets.mjs).
#
# Run by scripts/test.sh (as root, after the build) unless EBPFC_SKIP_PACKAGING=1;
# on demand: `pnpm test:packaging` (EBPFC_PACKAGING_FROM_SOURCE=1 adds the
# build-from-source fallback of loader-native). The prebuilt addons come from
# packages/loader-native/scripts/prebuild.sh, which rebuilds only when stale
# (cached in /var/cache/ebpf-collectors/prebuild).
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
say() { printf '[packaging] %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }
started=$SECONDS

# 1. Prebuilt addons (fast when cached), and their dependencies.
bash packages/loader-native/scripts/prebuild.sh --smoke >/dev/null
max_glibc=2.31
for t in x64 arm64; do
  node=packages/loader-native-linux-$t-gnu/loader_native.node
  needed=$(readelf -d "$node" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
  for lib in $needed; do
    case "$lib" in
      libc.so.6|libm.so.6|libstdc++.so.6|libgcc_s.so.1|ld-linux-*.so.*) ;;
      *) fail "$node needs $lib (only glibc, libm, libstdc++ and libgcc_s are allowed)" ;;
    esac
  done
  glibc=$(readelf -V --wide "$node" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1)
  [ "$(printf '%s\n%s\n' "$glibc" "$max_glibc" | sort -V | tail -n1)" = "$max_glibc" ] ||
    fail "$node needs GLIBC_$glibc (more than $max_glibc)"
  say "linux-$t-gnu: $(stat -c %s "$node") bytes, NEEDED: $needed, newest symbol GLIBC_$glibc"
done

# 2. Release configuration: a core minor bumps no collector and nothing to a major.
node scripts/release/check-changesets.mjs >&2

# 3. Pack and check the tarballs.
work=$(mktemp -d /tmp/ebpfc-packaging.XXXXXX)
trap 'rm -rf "$work"' EXIT
EBPFC_PREPACK_SKIP_BUILD=${EBPFC_PREPACK_SKIP_BUILD:-1} node scripts/release/pack-all.mjs "$work/tarballs" >/dev/null
node scripts/release/check-tarballs.mjs "$work/tarballs" >&2

# 4. Install with npm outside the workspace, every @ebpf-collectors name pinned
#    to its tarball (nothing of ours comes from the registry).
app=$work/app
mkdir -p "$app"
node -e '
  const fs = require("fs"), path = require("path");
  const dir = process.argv[1], app = process.argv[2];
  const overrides = {}, deps = {};
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".tgz"))) {
    const name = "@ebpf-collectors/" + file.replace(/^ebpf-collectors-/, "").replace(/-\d+\.\d+\.\d+.*\.tgz$/, "");
    overrides[name] = "file:" + path.join(dir, file);
    if (!/loader-native-linux-/.test(name)) deps[name] = "file:" + path.join(dir, file);
  }
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "ebpfc-packaging-test", private: true, dependencies: deps, overrides }, null, 2));
' "$work/tarballs" "$app"

# A PATH with node and the basic tools, and no compiler: cc, c++, gcc, g++, clang, cmake, make.
nocc=$work/bin
mkdir -p "$nocc"
for tool in node npm npx sh bash env dirname readlink cat ls mkdir rm cp mv uname id true sed grep sleep flock; do
  p=$(command -v "$tool") || continue
  ln -s "$(readlink -f "$p")" "$nocc/$tool"
done
for tool in cc c++ gcc g++ clang cmake make; do
  if PATH=$nocc command -v "$tool" >/dev/null 2>&1; then fail "$tool is reachable on the test PATH"; fi
done

npm_cache=${EBPFC_NPM_CACHE:-/var/cache/ebpf-collectors/npm}
say "npm install of the tarballs in $app (PATH without a compiler)"
(cd "$app" && PATH=$nocc npm install --no-audit --no-fund --loglevel=error --prefer-offline --cache "$npm_cache" >&2) ||
  fail "npm install of the tarballs failed"
[ -e "$app/node_modules/@ebpf-collectors/loader-native-linux-x64-gnu/loader_native.node" ] || [ "$(uname -m)" != x86_64 ] ||
  fail "npm did not install @ebpf-collectors/loader-native-linux-x64-gnu"
[ ! -e "$app/node_modules/@ebpf-collectors/loader-native/build" ] || fail "loader-native was built from source although a prebuild fits"
say "installed: $(du -sh "$app/node_modules" | cut -f1) in node_modules"

# 5. The installed plugin attaches the process collector; npx finds its bin.
out=$(cd "$app" && PATH=$nocc flock /tmp/ebpfc-kernel.lock ./node_modules/.bin/ebpf.plugin --check --collectors process 2>&1) ||
  { printf '%s\n' "$out" >&2; fail "ebpf.plugin --check --collectors process failed"; }
printf '%s\n' "$out" | grep -Eiq 'process.*(attached|trampoline|probe|tracepoint)' ||
  { printf '%s\n' "$out" >&2; fail "ebpf.plugin --check did not report the process collector attached"; }
say "ebpf.plugin --check: $(printf '%s\n' "$out" | grep -Ei 'process' | head -n1)"

(cd "$app" && PATH=$nocc npx --no @ebpf-collectors/plugin --help >/dev/null 2>&1) || fail "npx @ebpf-collectors/plugin --help failed"

# 6. ESM and CommonJS programs read one interval as numbers, while a workload forks.
cp scripts/release/programs/read-process.mjs scripts/release/programs/read-process.cjs "$app/"
for program in read-process.mjs read-process.cjs; do
  (while :; do /bin/true; sleep 0.02; done) &
  forker=$!
  out=$(cd "$app" && PATH=$nocc flock /tmp/ebpfc-kernel.lock node "$program" 2>&1) || {
    kill "$forker"; printf '%s\n' "$out" >&2; fail "$program failed"; }
  kill "$forker"; wait "$forker" 2>/dev/null || true
  line=$(printf '%s\n' "$out" | grep '^system.process_thread ') || { printf '%s\n' "$out" >&2; fail "$program printed no system.process_thread"; }
  node -e '
    const values = JSON.parse(process.argv[1].replace(/^\S+ /, ""));
    const numbers = Object.values(values);
    if (numbers.length === 0 || !numbers.every((v) => typeof v === "number" && Number.isFinite(v))) throw new Error("not plain numbers: " + process.argv[1]);
    if (!(values._do_fork >= 1)) throw new Error("no process (_do_fork) counted during a second of forking: " + process.argv[1]);
  ' "$line" || fail "$program: bad values"
  if printf '%s\n' "$out" | grep -q 'ExperimentalWarning'; then say "$program: $(printf '%s\n' "$out" | grep -m1 ExperimentalWarning)"; fi
  say "$program: $line"
done

# 7. (EBPFC_PACKAGING_FROM_SOURCE=1, about a minute more) Where no prebuild is
#    installed: without a compiler the install says what to install; with one
#    it builds the addon from source and the loader uses it.
if [ "${EBPFC_PACKAGING_FROM_SOURCE:-0}" = 1 ]; then
  src=$work/from-source
  mkdir -p "$src" && printf '{"name":"ebpfc-from-source","private":true}\n' >"$src/package.json"
  tarball=$(ls "$work"/tarballs/ebpf-collectors-loader-native-[0-9]*.tgz)
  msg=$(cd "$src" && PATH=$nocc npm install --omit=optional --foreground-scripts --no-audit --no-fund --cache "$npm_cache" "$tarball" 2>&1) ||
    { printf '%s\n' "$msg" >&2; fail "install without prebuild and compiler failed"; }
  printf '%s\n' "$msg" | grep -q 'apt-get install cmake g++' || { printf '%s\n' "$msg" >&2; fail "no advice naming the packages to install"; }
  (cd "$src" && npm rebuild @ebpf-collectors/loader-native --foreground-scripts --cache "$npm_cache" >/dev/null 2>&1) || fail "build from source failed"
  prefix=$(cd "$src" && node -e "import('@ebpf-collectors/loader-native').then((m) => console.log(m.createLoader().features.syscallPrefix()))") ||
    fail "the addon built from source does not load"
  say "from source: advice without a compiler, then built with one (syscall prefix $prefix)"
fi

say "ok: $(ls "$work/tarballs" | wc -l) tarballs, installed and run without a compiler in $((SECONDS - started)) s"
