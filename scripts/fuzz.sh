#!/usr/bin/env bash
# Fuzzes the inventory parser with libFuzzer (Debian's clang) for a bounded time; exits non-zero on a crash,
# leak or undefined behaviour (ASan + UBSan), leaving the crashing input in build-fuzz/artifacts/.
# Usage: scripts/fuzz.sh [seconds]   (default 60; scripts/test.sh runs it in CI)
# Seeds: the committed corpus (tests/fuzz/corpus/inventory), the example inventories and the bad-inventory
# fixtures; new inputs go to a scratch copy, never into the source tree.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/build_progress.sh
SECONDS_TO_RUN=${1:-60}
BUILD=build-fuzz
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
start=$(date +%s)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DKFORGE_FUZZ=ON \
  -DCMAKE_CXX_FLAGS="$SAN -fsanitize=fuzzer-no-link" -DCMAKE_EXE_LINKER_FLAGS="$SAN" "${launcher[@]}" >/dev/null
echo "fuzz: building kforge_inventory_fuzz in $BUILD (clang, libFuzzer, ASan+UBSan)"
cmake --build "$BUILD" -j"$(nproc)" --target kforge_inventory_fuzz | build_progress fuzz "$start"
echo "fuzz: built kforge_inventory_fuzz in $(($(date +%s) - start)) s; fuzzing for ${SECONDS_TO_RUN} s"
work=$(mktemp -d "${TMPDIR:-/tmp}/kforge-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp tests/fuzz/corpus/inventory/* "$work/"
mkdir -p "$BUILD/artifacts"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fuzz_start=$(date +%s)
if ! "$BUILD/tests/fuzz/kforge_inventory_fuzz" -max_total_time="$SECONDS_TO_RUN" -max_len=8192 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$BUILD/artifacts/" \
    "$work" inventories tests/fixtures/bad-inventories >"$BUILD/fuzz.log" 2>&1; then
  tail -60 "$BUILD/fuzz.log"
  echo "fuzz: FAILED after $(($(date +%s) - fuzz_start)) s (input in $BUILD/artifacts/)" >&2
  exit 1
fi
grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$BUILD/fuzz.log" | tr '\n' ' '
echo
echo "fuzz: OK, $(($(date +%s) - start)) s in all (build + ${SECONDS_TO_RUN} s of fuzzing)"
